"""A mass send end to end against the simulated WeCom over real HTTP: staff tasks,
results per customer, reminders (at most WeCom's 3 a day), expiry, reconciliation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from siyu.demo.brand import Brand
from siyu.integrations.wecom.tests.messaging_world import followed_by, no_quiet_hours, served
from siyu.integrations.wecom.transport import wecom_client
from siyu.messaging.delivery import claim_task, external_ids, poll_delivery, task_spec
from siyu.messaging.lifecycle import cancel_plan, follow_up, reconcile
from siyu.messaging.models import (
    BudgetState,
    Channel,
    Reason,
    Send,
    SendStatus,
    StaffTask,
    TaskStatus,
)
from siyu.messaging.send import Message, SendRequest, send
from siyu.messaging.tests.factories import external_id
from siyu.messaging.transport import transport_for

pytestmark = pytest.mark.django_db


def test_a_mass_send_some_staff_never_confirm(brand: Brand) -> None:
    no_quiet_hours()
    with served() as (sim, clock):
        sim.confirms("LinYue", after=60)
        sim.never_confirms("ChenJing")
        lin = followed_by(brand.lin_yue, 3)
        chen = followed_by(brand.chen_jing, 2)
        refused = followed_by(brand.lin_yue, 1, consent=False)
        outcome = send(
            SendRequest(
                source="mass",
                source_id="weekly-1",
                channel=Channel.WECOM_CUSTOMER,
                message=Message(text="本周新品：桂花拿铁"),
                customers=[c.pk for c in lin + chen + refused],
            )
        )
        assert (outcome.counts["queued"], outcome.counts["blocked:no_consent"], outcome.tasks) == (
            5,
            1,
            2,
        )
        assert poll_delivery() == 2
        tasks = {t.staff_id: t for t in StaffTask.objects.all()}
        assert {t.status for t in tasks.values()} == {TaskStatus.AWAITING}
        lin_task = sim.mass_tasks[tasks[brand.lin_yue.pk].msgid]
        assert set(lin_task.targets) == {external_id(c) for c in lin}
        assert set(
            Send.objects.filter(status=SendStatus.AWAITING_STAFF).values_list(
                "external_id", flat=True
            )
        ) == {t.msgid for t in tasks.values()}

        clock.advance(120)
        now = timezone.now()
        follow_up(now)
        assert (
            Send.objects.filter(
                customer__in=lin, status=SendStatus.SENT, budget_state=BudgetState.CHARGED
            ).count()
            == 3
        )
        assert StaffTask.objects.get(staff=brand.lin_yue).status == TaskStatus.DONE
        chen_task = StaffTask.objects.get(staff=brand.chen_jing)
        assert chen_task.reminded_at == []  # not yet: reminders wait remind_after_hours

        for hours in (4, 8, 12, 16, 20):  # five chances within 24 h, WeCom allows three
            clock.advance(4 * 3600)
            follow_up(now + timedelta(hours=hours, minutes=1))
        chen_task.refresh_from_db()
        assert len(chen_task.reminded_at) == 3
        assert len(sim.mass_tasks[chen_task.msgid].reminders) == 3
        assert 45009 not in sim.errcodes("/cgi-bin/externalcontact/remind_groupmsg_send")

        clock.advance(3 * 86400)
        follow_up(now + timedelta(hours=73))
        chen_task.refresh_from_db()
        assert chen_task.status == TaskStatus.EXPIRED
        assert sim.mass_tasks[chen_task.msgid].cancelled
        left = Send.objects.filter(customer__in=chen)
        assert set(left.values_list("status", "reason", "budget_state")) == {
            (SendStatus.FAILED, Reason.NOT_CONFIRMED, BudgetState.RELEASED)
        }

        # A task made in WeCom's own admin, not through Siyu, shows up in reconciliation.
        client = wecom_client()
        client.add_msg_template(sender="WangQiang", text="后台直接群发", external_userids=["wmX"])
        client.close()
        sim_now = datetime.fromtimestamp(clock.now + 60, tz=UTC)  # WeCom's clock moved on
        report = reconcile(sim_now, days=5)
        assert (report["tasks"], report["unknown_at_wecom"]) == (2, 1)


def test_cancelling_a_mass_send_stops_what_has_not_gone_out(brand: Brand) -> None:
    no_quiet_hours()
    with served() as (sim, _clock):
        sim.never_confirms("LinYue")
        people = followed_by(brand.lin_yue, 2)
        outcome = send(
            SendRequest(
                source="mass",
                source_id="c1",
                channel=Channel.WECOM_CUSTOMER,
                message=Message(text="取消我"),
                customers=[c.pk for c in people],
            )
        )
        poll_delivery()
        assert outcome.plan is not None
        assert cancel_plan(outcome.plan) == 1
        task = StaffTask.objects.get()
        assert task.status == TaskStatus.CANCELLED
        assert sim.mass_tasks[task.msgid].cancelled
        assert set(Send.objects.values_list("reason", "budget_state")) == {
            (Reason.CANCELLED, BudgetState.RELEASED)
        }


def test_a_task_whose_creation_was_not_recorded_is_found_not_made_twice(brand: Brand) -> None:
    """The worker died after WeCom created the task and before we stored its msgid: the
    next attempt finds it at WeCom instead of making the staff send it twice."""
    no_quiet_hours()
    with served() as (sim, _clock):
        people = followed_by(brand.lin_yue, 2)
        send(
            SendRequest(
                source="mass",
                source_id="k1",
                channel=Channel.WECOM_CUSTOMER,
                message=Message(text="只发一次"),
                customers=[c.pk for c in people],
            )
        )
        task = StaffTask.objects.get()
        claimed = claim_task(timezone.now())
        assert claimed is not None
        targets = external_ids(Send.objects.filter(task=task))
        transport_for(Channel.WECOM_CUSTOMER).create(task_spec(claimed, targets))  # then "killed"
        StaffTask.objects.filter(pk=task.pk).update(
            lease_until=timezone.now() - timedelta(seconds=1)
        )
        assert poll_delivery() == 1
        assert len(sim.mass_tasks) == 1
        task.refresh_from_db()
        assert (task.status, task.msgid) == (TaskStatus.AWAITING, next(iter(sim.mass_tasks)))


def test_a_customer_who_withdrew_after_planning_is_left_out_of_the_task(brand: Brand) -> None:
    """Consent is asked again when the task is made at WeCom: a withdrawal in between
    blocks her send and gives its budget back, and the task goes to the others."""
    from siyu.privacy.correct import withdraw_consent

    no_quiet_hours()
    with served() as (sim, _clock):
        stays, leaves = followed_by(brand.lin_yue, 2)
        outcome = send(
            SendRequest(
                source="mass",
                source_id="withdrawn-1",
                channel=Channel.WECOM_CUSTOMER,
                message=Message(text="本周新品：桂花拿铁"),
                customers=[stays.pk, leaves.pk],
            )
        )
        assert outcome.counts["queued"] == 2
        withdraw_consent(leaves, "marketing", actor=None, source="member_centre")
        assert poll_delivery() == 1
        task = StaffTask.objects.get()
        assert set(sim.mass_tasks[task.msgid].targets) == {external_id(stays)}
        gone = Send.objects.get(customer=leaves)
        assert (gone.status, gone.reason, gone.budget_state) == (
            SendStatus.BLOCKED,
            Reason.NO_CONSENT,
            BudgetState.RELEASED,
        )
        kept = Send.objects.get(customer=stays)
        assert (kept.status, kept.budget_state) == (SendStatus.AWAITING_STAFF, BudgetState.RESERVED)
