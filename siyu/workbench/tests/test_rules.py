from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from siyu.customers.events import record_event
from siyu.customers.models import Customer
from siyu.customers.orders import OrderInput, import_order
from siyu.demo.brand import Brand
from siyu.workbench import feed
from siyu.workbench.labels import LOOKUPS, register_lookup
from siyu.workbench.models import RuleTrigger, Task, TaskKind
from siyu.workbench.rules import BadRule, birthday_tasks, check_condition, create_rule, matches
from siyu.workbench.tests.factories import make_customer

pytestmark = pytest.mark.django_db


def _open(customer: Customer, opens: int, material: int = 7) -> None:
    record_event(
        customer,
        type="material_open",
        occurred_at=timezone.now(),
        properties={
            "material_id": material,
            "variant_id": None,
            "link": "l",
            "opens": opens,
            "seconds": 30,
        },
        source="content",
        idempotency_key=f"open:{customer.pk}:{material}:{opens}",
    )


def _reading_rule() -> None:
    create_rule(
        name="读三次", trigger=RuleTrigger.EVENT, event_type="material_open",
        condition={"property": "opens", "op": ">=", "value": 3}, once_per="material_id",
        kind=TaskKind.CHAT, title="{name} 阅读《{material}》{opens} 次：跟进", due_hours=4,
    )  # fmt: skip


@pytest.fixture
def titles() -> object:
    saved = dict(LOOKUPS)
    register_lookup("material_id", "material", lambda pk: {7: "手冲入门"}.get(pk))
    yield
    LOOKUPS.clear()
    LOOKUPS.update(saved)


def test_third_read_makes_one_task_for_the_owner_through_the_feed(brand: Brand, titles: object) -> None:  # fmt: skip
    feed.poll_changes()  # the consumer starts at the newest change
    _reading_rule()
    zhang = make_customer(brand.chen_jing, "张敏")
    for n in (1, 2, 3, 4):
        _open(zhang, n)
    feed.poll_changes()
    task = Task.objects.get()
    assert task.staff_id == brand.chen_jing.pk
    assert task.title == "张敏 阅读《手冲入门》3 次：跟进"
    assert task.material_id == 7
    assert task.source == "rule"
    # Another article read three times is another task.
    for n in (1, 2, 3):
        _open(zhang, n, material=8)
    feed.poll_changes()
    assert Task.objects.count() == 2


def test_redelivered_changes_make_nothing_twice(brand: Brand) -> None:
    from siyu.customers.changes import read_visible_changes

    _reading_rule()
    zhang = make_customer(brand.chen_jing, "张敏")
    _open(zhang, 3)
    # Visible, not only final ones: on PostgreSQL another database's open transaction
    # holds the horizon back.
    changes, _horizon = read_visible_changes((0, 0), limit=1000)
    feed.handle_changes(changes)
    feed.handle_changes(changes)
    assert Task.objects.count() == 1


def test_conditions_compare_numbers_and_text_and_refuse_junk() -> None:
    assert matches({"property": "opens", "op": ">=", "value": 3}, {"opens": 3})
    assert not matches({"property": "opens", "op": ">=", "value": 3}, {"opens": 2})
    assert not matches({"property": "opens", "op": ">=", "value": 3}, {"opens": "9"})
    assert not matches({"property": "opens", "op": ">=", "value": 3}, {"opens": True})
    assert matches({"property": "link", "op": "=", "value": "a"}, {"link": "a"})
    assert matches({}, {})
    with pytest.raises(BadRule):
        check_condition({"property": "opens", "op": "~", "value": 3})
    with pytest.raises(BadRule):
        check_condition({"property": "", "op": ">=", "value": 3})


def test_paid_order_follow_up_after_n_days(brand: Brand) -> None:
    create_rule(name="回访", trigger=RuleTrigger.PAID_ORDER, kind=TaskKind.ORDER_FOLLOWUP,
                title="{name} 的订单 {order_no} 回访", days_after=3, due_hours=0)  # fmt: skip
    feed.poll_changes()
    buyer = make_customer(brand.chen_jing, "李娜")
    paid = timezone.now() - timedelta(hours=1)
    import_order(buyer, OrderInput("miniprogram", "MP-1", paid, total_fen=5800, paid_fen=5800))
    feed.poll_changes()
    task = Task.objects.get()
    assert task.kind == TaskKind.ORDER_FOLLOWUP
    assert task.due_at == paid + timedelta(days=3)
    assert task.title == "李娜 的订单 MP-1 回访"


def test_birthday_greeting_once_a_year(brand: Brand) -> None:
    rule = create_rule(name="生日", trigger=RuleTrigger.BIRTHDAY, kind=TaskKind.BIRTHDAY,
                       title="祝 {name} 生日快乐", days_after=1)  # fmt: skip
    now = timezone.now()
    from siyu.core.clock import local_date

    tomorrow = local_date(now) + timedelta(days=1)
    born = make_customer(brand.chen_jing, "周文")
    Customer.objects.filter(pk=born.pk).update(birthday=date(1990, tomorrow.month, tomorrow.day))
    make_customer(brand.chen_jing, "没生日")
    assert birthday_tasks(now) == 1
    birthday_tasks(now)
    task = Task.objects.get()
    assert task.title == "祝 周文 生日快乐"
    assert task.source_key == f"{rule.pk}:c{born.pk}:y{tomorrow.year}"
