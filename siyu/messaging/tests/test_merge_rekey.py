"""After a merge the send log names the survivor: the merged profile's sends count under
the survivor's caps; unmerge gives them back."""

from __future__ import annotations

import pytest

from siyu.customers.merge import merge_customers, unmerge
from siyu.messaging.models import Channel, MessagingSettings, Reason, Send, SendStatus
from siyu.messaging.send import Message, SendRequest, send
from siyu.messaging.tests.factories import NOW, make_customer

pytestmark = pytest.mark.django_db


def _webhook(source_id: str, people: list[int]) -> None:
    send(SendRequest(source="rekey", source_id=source_id, channel=Channel.WEBHOOK,
                     message=Message(text="hi"), customers=people, at=NOW))  # fmt: skip


def test_a_merged_profiles_sends_count_under_the_survivors_daily_cap() -> None:
    MessagingSettings.objects.create(day_cap=1, week_cap=0)
    survivor, merged = make_customer("张敏"), make_customer("张敏 (小程序)")
    _webhook("morning", [merged.pk])
    record = merge_customers(survivor, merged, reason="same phone")
    assert Send.objects.get(source_id="morning").recipient == f"c:{survivor.pk}"
    _webhook("noon", [survivor.pk])
    noon = Send.objects.get(source_id="noon")
    assert (noon.status, noon.reason) == (SendStatus.BLOCKED, Reason.DAY_CAP)
    unmerge(record)
    assert Send.objects.get(source_id="morning").recipient == f"c:{merged.pk}"


def test_a_plan_that_reached_both_profiles_keeps_one_row_per_key() -> None:
    survivor, merged = make_customer("赵蕾"), make_customer("赵蕾 (门店)")
    _webhook("both", [survivor.pk, merged.pk])
    merge_customers(survivor, merged, reason="same phone")
    rows = Send.objects.filter(source_id="both")
    assert sorted(rows.values_list("recipient", flat=True)) == sorted(
        [f"c:{survivor.pk}", f"c:{merged.pk}"]
    )
    assert set(rows.values_list("customer_id", flat=True)) == {survivor.pk}
