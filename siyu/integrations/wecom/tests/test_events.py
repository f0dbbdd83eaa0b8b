"""Events applied through the customer verbs, end to end from a signed HTTP callback."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from siyu.customers.models import CustomerFollow, Event, Identity
from siyu.demo.brand import Brand
from siyu.integrations.wecom import events, process
from siyu.integrations.wecom.models import CallbackInbox, InboxStatus, OutboundCall, OutboxStatus
from siyu.integrations.wecom.process import drain_pending, process_callback_row
from siyu.integrations.wecom.signals import contact_added
from siyu.integrations.wecom.tests.conftest import CORP_ID, add_contact_xml, event_xml, post_event

pytestmark = pytest.mark.django_db


def process_all() -> None:
    for pk in CallbackInbox.objects.filter(status=InboxStatus.PENDING).values_list("pk", flat=True):
        process_callback_row(pk)


def events_of(ext: str) -> list[str]:
    identity = Identity.objects.get(type="wecom_external_userid", value=ext)
    assert identity.customer is not None
    return list(
        identity.customer.events.order_by("occurred_at", "pk").values_list("type", flat=True)
    )


def test_add_through_http_and_worker_creates_profile_follow_and_event(
    client: Client, brand: Brand, immediate_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    received: list[dict[str, Any]] = []

    def on_added(**kwargs: Any) -> None:
        received.append(kwargs)

    contact_added.connect(on_added)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            sent = post_event(
                client,
                add_contact_xml(
                    "ChenJing", "wmZhangMin01", State="ch_douyin_01", WelcomeCode="WC1"
                ),
            )
            assert drain_pending() == 1  # the worker's poll
    finally:
        contact_added.disconnect(on_added)
    assert sent.body == b"success"
    row = CallbackInbox.objects.get()
    assert row.status == InboxStatus.DONE
    identity = Identity.objects.get(type="wecom_external_userid", value="wmZhangMin01")
    assert identity.namespace == CORP_ID
    customer = identity.customer
    assert customer is not None
    assert customer.primary_owner == brand.chen_jing
    assert CustomerFollow.objects.filter(customer=customer, staff=brand.chen_jing).exists()
    event = Event.objects.get(customer=customer)
    assert event.type == "wecom_contact_added"
    assert event.properties["state"] == "ch_douyin_01"
    assert event.properties["welcome_code"] == "WC1"
    assert event.idempotency_key == f"wecom:{row.idempotency_key}"
    [hook] = received
    assert hook["staff"] == brand.chen_jing
    assert hook["customer"] == customer
    assert (hook["state"], hook["welcome_code"]) == ("ch_douyin_01", "WC1")


def test_add_events_are_applied_before_older_rows_of_other_keys(
    client: Client, brand: Brand, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An add's welcome code is valid for 20 s; a tag change can wait a moment.
    post_event(client, event_xml(Event="change_external_tag", ChangeType="create", Id="t1"))
    post_event(client, add_contact_xml("ChenJing", "wmFast"))
    order: list[str] = []
    real = process.drain_key

    def recording(key: str, limit: int = process.DRAIN_LIMIT) -> int:
        order.append(key)
        return real(key, limit)

    monkeypatch.setattr(process, "drain_key", recording)
    assert drain_pending() == 2
    assert order[0].endswith(":contact:ChenJing:wmFast")
    assert len(order) == 2


def test_second_staff_adding_same_customer_keeps_one_profile_with_two_follows(
    client: Client, brand: Brand
) -> None:
    post_event(client, add_contact_xml("ChenJing", "wmShared"))
    post_event(client, add_contact_xml("WangQiang", "wmShared"))
    process_all()
    identity = Identity.objects.get(type="wecom_external_userid", value="wmShared")
    follows = CustomerFollow.objects.filter(customer=identity.customer, ended_at__isnull=True)
    assert {f.staff for f in follows} == {brand.chen_jing, brand.wang_qiang}
    assert events_of("wmShared") == ["wecom_contact_added", "wecom_contact_added"]


def test_event_delivered_three_times_is_processed_once(client: Client, brand: Brand) -> None:
    xml = add_contact_xml("ChenJing", "wmThrice")
    for _ in range(3):
        post_event(client, xml)
        process_all()
    drain_pending()
    assert events_of("wmThrice") == ["wecom_contact_added"]


def test_processing_a_row_twice_applies_it_once(client: Client, brand: Brand) -> None:
    post_event(client, add_contact_xml("ChenJing", "wmTwice"))
    pk = CallbackInbox.objects.get().pk
    assert process_callback_row(pk) == 1
    assert process_callback_row(pk) == 0
    assert events_of("wmTwice") == ["wecom_contact_added"]


def test_customer_deleting_staff_ends_the_follow(client: Client, brand: Brand) -> None:
    post_event(client, add_contact_xml("ChenJing", "wmGone"))
    post_event(client, add_contact_xml("ChenJing", "wmGone", ChangeType="del_follow_user"))
    process_all()
    follow = CustomerFollow.objects.get(staff=brand.chen_jing)
    assert follow.ended_at is not None
    assert events_of("wmGone") == ["wecom_contact_added", "wecom_customer_deleted_staff"]


def test_staff_deleting_customer_records_and_unfollows(client: Client, brand: Brand) -> None:
    post_event(client, add_contact_xml("WangQiang", "wmDel"))
    post_event(
        client,
        add_contact_xml(
            "WangQiang", "wmDel", ChangeType="del_external_contact", Source="DELETE_BY_TRANSFER"
        ),
    )
    process_all()
    assert CustomerFollow.objects.get(staff=brand.wang_qiang).ended_at is not None
    deleted = Event.objects.get(type="wecom_contact_deleted")
    assert deleted.properties["source"] == "DELETE_BY_TRANSFER"


def test_edit_half_add_and_transfer_fail_append_events(client: Client, brand: Brand) -> None:
    post_event(
        client,
        add_contact_xml(
            "LinYue", "wmMisc", ChangeType="add_half_external_contact", WelcomeCode="W"
        ),
    )
    post_event(client, add_contact_xml("LinYue", "wmMisc", ChangeType="edit_external_contact"))
    post_event(
        client,
        add_contact_xml(
            "LinYue", "wmMisc", ChangeType="transfer_fail", FailReason="customer_refused"
        ),
    )
    process_all()
    assert events_of("wmMisc") == [
        "wecom_contact_half_added",
        "wecom_contact_edited",
        "wecom_transfer_failed",
    ]
    assert CustomerFollow.objects.filter(staff=brand.lin_yue, ended_at__isnull=True).exists()


def test_unknown_staff_still_records_the_customer(client: Client, brand: Brand) -> None:
    post_event(client, add_contact_xml("NoSuchStaff", "wmOrphan"))
    process_all()
    assert events_of("wmOrphan") == ["wecom_contact_added"]
    assert not CustomerFollow.objects.exists()


def test_group_member_changes_append_join_and_leave_events(client: Client, brand: Brand) -> None:
    post_event(
        client, event_xml(Event="change_external_chat", ChangeType="create", ChatId="wrChat1")
    )
    post_event(
        client,
        event_xml(
            Event="change_external_chat",
            ChangeType="update",
            ChatId="wrChat1",
            UpdateDetail="add_member",
            JoinScene="3",
            MemChangeCnt="2",
            MemChangeList=["wmJoiner", "ChenJing"],
        ),
    )
    post_event(
        client,
        event_xml(
            Event="change_external_chat",
            ChangeType="update",
            ChatId="wrChat1",
            UpdateDetail="del_member",
            QuitScene="0",
            MemChangeList=["wmJoiner"],
        ),
    )
    post_event(
        client, event_xml(Event="change_external_chat", ChangeType="dismiss", ChatId="wrChat1")
    )
    process_all()
    assert events_of("wmJoiner") == ["wecom_group_joined", "wecom_group_left"]
    joined = Event.objects.get(type="wecom_group_joined")
    assert joined.properties == {"corp_id": CORP_ID, "chat_id": "wrChat1", "scene": "3"}
    assert not CallbackInbox.objects.exclude(status=InboxStatus.DONE).exists()


def test_tag_events_queue_one_name_lookup_for_after_commit(client: Client, brand: Brand) -> None:
    post_event(
        client,
        event_xml(Event="change_external_tag", ChangeType="create", Id="et1", TagType="tag"),
    )
    post_event(
        client,
        event_xml(Event="change_external_tag", ChangeType="delete", Id="et1", TagType="tag"),
    )
    process_all()
    [call] = OutboundCall.objects.all()
    assert call.action == "mirror_tag_names"
    assert call.payload == {"corp_id": CORP_ID, "tag_type": "tag", "tag_id": "et1"}
    assert call.status == OutboxStatus.PENDING
    assert set(CallbackInbox.objects.values_list("status", flat=True)) == {InboxStatus.DONE}


def test_unknown_event_is_processed_as_a_no_op(client: Client, brand: Brand) -> None:
    post_event(client, event_xml(Event="msg_audit_approved", WelcomeCode="x"))
    process_all()
    assert CallbackInbox.objects.get().status == InboxStatus.DONE
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (
            {"Event": "change_external_contact", "ChangeType": "add_external_contact"},
            events.ContactEvent,
        ),
        ({"Event": "change_external_chat", "ChangeType": "update"}, events.ChatEvent),
        ({"Event": "change_external_tag", "ChangeType": "shuffle"}, events.TagEvent),
        ({"MsgType": "text"}, events.OtherEvent),
        ({}, events.OtherEvent),
    ],
)
def test_parse_event_never_fails_on_missing_fields(data: dict[str, Any], kind: type) -> None:
    from django.utils import timezone

    parsed = events.parse_event(CORP_ID, data, received_at=timezone.now())
    assert isinstance(parsed, kind)
    assert events.ordering_key(parsed, "fallback") == "fallback"
