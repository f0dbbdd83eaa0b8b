"""陈静's workbench in the demo: the brand's task rules (a material read three times,
birthdays, a paid order's follow-up), quotas for 上海静安店 (15 new contacts and 8 tasks
a day), her tasks for today — some overdue — made through the workbench verbs, a
follow-up note on 张敏, and a loss alert from a customer who deleted her.

Unlike the rest of the demo brand, the tasks are placed around the real clock, not the
demo's fixed ``now``: the workbench shows today's tasks, and a demo opened next week must
still show a day of work. They are keyed by the day, so running the demo again that day adds nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from siyu.core.models import Staff
from siyu.customers.events import record_event
from siyu.customers.follows import unfollow_customer
from siyu.customers.models import Customer, CustomerFollow, CustomerStatus
from siyu.workbench.loss import handle_event
from siyu.workbench.models import LossAlert, QuotaMetric, RuleTrigger, TaskKind, TaskRule
from siyu.workbench.notes import add_note
from siyu.workbench.quotas import set_quota
from siyu.workbench.rules import create_rule
from siyu.workbench.sweep import mark_overdue
from siyu.workbench.tasks import create_task

SOURCE = "demo"
# (kind, title with {name}, hours from now): negative ones are overdue when the page opens.
CHENS_DAY = [
    (TaskKind.SEND_MATERIAL, "给 {name} 发《手冲入门》", -26),
    (TaskKind.CALL, "{name} 的会员卡快到期了：打电话提醒", -3),
    (TaskKind.CHAT, "{name} 阅读《手冲入门》3 次：跟进", 0),
    (TaskKind.INVITE_GROUP, "邀请 {name} 进静安店会员群", 1),
    (TaskKind.ORDER_FOLLOWUP, "{name} 上周买了挂耳：问问口味", 2),
    (TaskKind.BIRTHDAY, "{name} 下周生日：准备祝福", 72),
]


def build_rules() -> None:
    if TaskRule.objects.exists():
        return
    create_rule(
        name="素材阅读三次", trigger=RuleTrigger.EVENT, event_type="material_open",
        condition={"property": "opens", "op": ">=", "value": 3}, once_per="material_id",
        kind=TaskKind.CHAT, title="{name} 阅读《{material}》{opens} 次：跟进", due_hours=4,
    )  # fmt: skip
    create_rule(name="生日祝福", trigger=RuleTrigger.BIRTHDAY, kind=TaskKind.BIRTHDAY,
                title="{name} 生日快乐：发祝福和生日券", days_after=0, due_hours=0)  # fmt: skip
    create_rule(name="订单回访", trigger=RuleTrigger.PAID_ORDER, kind=TaskKind.ORDER_FOLLOWUP,
                title="{name} 的订单 {order_no}：回访口味", days_after=3, due_hours=0)  # fmt: skip


def _her_customers(chen: Staff, n: int) -> list[Customer]:
    follows = CustomerFollow.objects.filter(
        staff=chen, ended_at__isnull=True, customer__status=CustomerStatus.ACTIVE
    ).select_related("customer")
    people = [f.customer for f in follows.order_by("customer_id")[: n + 5]]
    people.sort(key=lambda c: c.display_name != "张敏")  # 张敏 first: the personas' story
    return people[:n]


def build_chens_day(chen: Staff, now: datetime | None = None) -> int:
    now = now or timezone.now()
    people = _her_customers(chen, len(CHENS_DAY) + 1)
    made = 0
    for index, (customer, (kind, title, hours)) in enumerate(zip(people, CHENS_DAY, strict=False)):
        create_task(
            customer_id=customer.pk, staff_id=chen.pk, kind=kind,
            title=title.replace("{name}", customer.display_name or f"#{customer.pk}"),
            due_at=now + timedelta(hours=hours), source=SOURCE,
            source_key=f"chen:{now.date().isoformat()}:{index}",
        )  # fmt: skip
        made += 1
    mark_overdue(now)
    if people and not people[0].follow_notes.exists():
        add_note(people[0].pk, chen, "喜欢浅烘埃塞，周末常带孩子来店里；下次推荐新到的耶加雪菲。")
    # Once: after it her follows have changed, another run would pick someone else.
    if len(people) > len(CHENS_DAY) and not LossAlert.objects.filter(staff=chen).exists():
        lose_customer(people[-1], chen, now)
    return made


def lose_customer(customer: Customer, staff: Staff, now: datetime) -> None:
    """What the WeCom adapter records for del_follow_user, then the loss alert (the
    worker's change feed does this in a running deployment; the demo has no worker yet)."""
    event, _created = record_event(
        customer,
        type="wecom_customer_deleted_staff",
        occurred_at=now - timedelta(hours=2),
        properties={"user_id": staff.wecom_userid or "", "external_user_id": f"demo-{customer.pk}"},
        source="wecom",
        idempotency_key=f"demo:loss:{customer.pk}:{staff.pk}",
    )
    unfollow_customer(customer, staff, at=event.occurred_at)
    handle_event(event)


def build_workbench(chen: Staff, now: datetime | None = None) -> int:
    build_rules()
    set_quota(metric=QuotaMetric.NEW_CONTACTS, target=15, org_unit=chen.org_unit)
    set_quota(metric=QuotaMetric.TASKS_DONE, target=8, org_unit=chen.org_unit)
    return build_chens_day(chen, now)
