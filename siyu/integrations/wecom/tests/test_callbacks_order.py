"""Events of one staff–customer pair apply in arrival order, whoever processes them."""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import close_old_connections, connection
from django.test import Client

from siyu.customers.models import CustomerFollow, Event
from siyu.demo.brand import Brand
from siyu.integrations.wecom import events, process
from siyu.integrations.wecom.models import CallbackInbox, InboxStatus
from siyu.integrations.wecom.process import drain_pending, process_callback_row
from siyu.integrations.wecom.tests.conftest import add_contact_xml, post_event

LIFE = ["add_external_contact", "edit_external_contact", "del_follow_user", "add_external_contact"]


def post_life(client: Client, staff: str, ext: str) -> None:
    # Distinct CreateTimes: two identical payloads are one event delivered twice.
    start = int(time.time()) - 60
    for i, change in enumerate(LIFE):
        post_event(client, add_contact_xml(staff, ext, ChangeType=change, create_time=start + i))


def retry_delays_pass() -> None:
    CallbackInbox.objects.update(retry_at=None)


def types_for(ext: str, staff: str) -> list[str]:
    return list(
        Event.objects.filter(properties__external_user_id=ext, properties__user_id=staff)
        .order_by("pk")
        .values_list("type", flat=True)
    )


EXPECTED = [
    "wecom_contact_added",
    "wecom_contact_edited",
    "wecom_customer_deleted_staff",
    "wecom_contact_added",
]


@pytest.mark.django_db
def test_a_later_rows_task_running_first_applies_the_earlier_rows_first(
    client: Client, brand: Brand
) -> None:
    post_life(client, "ChenJing", "wmOrder")
    last = CallbackInbox.objects.order_by("-pk").first()
    assert last is not None
    assert process_callback_row(last.pk) == 4
    assert types_for("wmOrder", "ChenJing") == EXPECTED
    # The final add re-opened the follow the delete had ended.
    assert CustomerFollow.objects.get(staff=brand.chen_jing).ended_at is None


@pytest.mark.django_db
def test_a_failing_row_blocks_its_pair_until_it_gives_up(
    client: Client, brand: Brand, monkeypatch: pytest.MonkeyPatch
) -> None:
    post_event(client, add_contact_xml("ChenJing", "wmStuck", ChangeType="edit_external_contact"))
    post_event(client, add_contact_xml("ChenJing", "wmStuck", ChangeType="del_follow_user"))
    post_event(client, add_contact_xml("WangQiang", "wmOther"))
    real = events.apply_contact

    def flaky(event: events.ContactEvent, **kwargs: Any) -> None:
        if event.change_type == "edit_external_contact":
            raise RuntimeError("upstream hiccup")
        real(event, **kwargs)

    monkeypatch.setattr(events, "apply_contact", flaky)
    first, second, other = CallbackInbox.objects.order_by("pk")
    assert process_callback_row(second.pk) == 0  # blocked behind the failing first row
    assert process_callback_row(other.pk) == 1  # other pairs are not held up
    for _ in range(process.MAX_ATTEMPTS - 1):
        retry_delays_pass()
        drain_pending()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == InboxStatus.FAILED
    assert first.attempts == process.MAX_ATTEMPTS
    assert "upstream hiccup" in first.last_error
    assert second.status == InboxStatus.DONE


@pytest.mark.django_db
def test_a_transient_failure_is_retried_after_a_delay(
    client: Client, brand: Brand, monkeypatch: pytest.MonkeyPatch
) -> None:
    post_event(client, add_contact_xml("ChenJing", "wmRetry"))
    real = events.apply_contact
    failures = [RuntimeError("once")]

    def once(event: events.ContactEvent, **kwargs: Any) -> None:
        if failures:
            raise failures.pop()
        real(event, **kwargs)

    monkeypatch.setattr(events, "apply_contact", once)
    row = CallbackInbox.objects.get()
    assert process_callback_row(row.pk) == 0
    row.refresh_from_db()
    assert row.retry_at is not None
    assert row.retry_at > row.received_at
    assert drain_pending() == 0  # the worker polls often; the row waits out its delay
    retry_delays_pass()
    assert drain_pending() == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (InboxStatus.DONE, 2)


def process_chunk(pks: list[int]) -> None:
    try:
        for pk in pks:
            process_callback_row(pk)
        while drain_pending():  # as a polling worker does
            pass
    finally:
        close_old_connections()
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_parallel_workers_keep_each_pairs_order(brand: Brand) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row-lock concurrency is exercised on PostgreSQL; SQLite serialises writers")
    client = Client()
    pairs = [(staff, f"wmPar{i}") for i in range(12) for staff in ("ChenJing", "WangQiang")]
    for staff, ext in pairs:
        post_life(client, staff, ext)
    pks = list(CallbackInbox.objects.values_list("pk", flat=True))
    random.Random(7).shuffle(pks)
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(process_chunk, [pks[i::4] for i in range(4)]))
    drain_pending()
    assert set(CallbackInbox.objects.values_list("status", flat=True)) == {InboxStatus.DONE}
    for staff, ext in pairs:
        assert types_for(ext, staff) == EXPECTED, (staff, ext)
