"""Moments with per-staff completion, group mass tasks and app messages to staff,
against the simulated WeCom over real HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from siyu.demo.brand import Brand
from siyu.groups.models import GroupChat
from siyu.integrations.wecom.tests.messaging_world import no_quiet_hours, served
from siyu.messaging.delivery import poll_delivery
from siyu.messaging.lifecycle import follow_up
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

pytestmark = pytest.mark.django_db


def test_a_moments_task_completes_per_staff_member(brand: Brand) -> None:
    no_quiet_hours()
    with served() as (sim, clock):
        sim.confirms("LinYue", after=30)
        sim.never_confirms("ChenJing")
        send(
            SendRequest(
                source="moments",
                source_id="m1",
                channel=Channel.WECOM_MOMENT,
                message=Message(text="秋季限定上新", tag_ids=("etTagVip",)),
                staff_ids=[brand.lin_yue.pk, brand.chen_jing.pk],
                purpose="",
            )
        )
        assert poll_delivery() == 1
        task = StaffTask.objects.get()
        assert (task.status, task.staff_id, task.jobid != "") == (TaskStatus.AWAITING, None, True)
        job = sim.moment_jobs[task.jobid]
        assert (sorted(job.executors), job.tags) == (["ChenJing", "LinYue"], ["etTagVip"])
        clock.advance(60)
        follow_up()
        task.refresh_from_db()
        assert task.msgid == job.moment_id  # the job resolved to its moment
        states = dict(Send.objects.values_list("staff_id", "status"))
        assert states == {
            brand.lin_yue.pk: SendStatus.SENT,
            brand.chen_jing.pk: SendStatus.AWAITING_STAFF,
        }
        follow_up(timezone.now() + timedelta(hours=73))
        assert Send.objects.get(staff=brand.chen_jing).reason == Reason.NOT_CONFIRMED
        assert Send.objects.get(staff=brand.lin_yue).status == SendStatus.SENT  # cannot be recalled


def test_a_group_mass_task_goes_through_each_groups_owner(brand: Brand) -> None:
    no_quiet_hours()
    with served() as (sim, clock):
        sim.confirms("LinYue", after=10)
        chats = [sim.create_group("LinYue", f"咖啡群{i}") for i in range(2)]
        for chat in chats:
            GroupChat.objects.create(chat_id=chat, owner_userid="LinYue", synced_at=timezone.now())
        send(
            SendRequest(
                source="groups",
                source_id="g1",
                channel=Channel.WECOM_GROUP,
                message=Message(text="群里发福利"),
                chat_ids=[*chats, "wrGone"],
                purpose="",
            )
        )
        assert dict(Send.objects.values_list("chat_id", "reason")) == {
            chats[0]: "",
            chats[1]: "",
            "wrGone": Reason.NOT_REACHABLE,
        }
        poll_delivery()
        task = StaffTask.objects.get()
        assert sim.mass_tasks[task.msgid].chat_type == "group"
        clock.advance(20)
        follow_up()
        sent = Send.objects.filter(status=SendStatus.SENT, budget_state=BudgetState.CHARGED)
        assert sorted(sent.values_list("chat_id", flat=True)) == sorted(chats)


def test_app_messages_keep_to_wecoms_30_a_minute_per_member(brand: Brand) -> None:
    with served() as (sim, _clock):
        for i in range(31):
            send(
                SendRequest(
                    source="notice",
                    source_id=f"n{i}",
                    channel=Channel.WECOM_APP,
                    message=Message(text=f"提醒 {i}"),
                    staff_ids=[brand.lin_yue.pk],
                    purpose="",
                )
            )
        while poll_delivery():
            if Send.objects.filter(status=SendStatus.SENT).count() >= 30:
                break
        assert len(sim.app_messages) == 30
        assert all(m["enable_duplicate_check"] == 1 for m in sim.app_messages)
        waiting = Send.objects.exclude(status=SendStatus.SENT).get()
        assert waiting.status == SendStatus.QUEUED
        assert waiting.due_at > timezone.now()  # the next minute's window
        assert 45033 not in sim.errcodes("/cgi-bin/message/send")
