"""Hand-over verbs: a job per hand-over, items settled once, follows and store moved only
on success."""

from __future__ import annotations

import pytest

from siyu.customers.follows import follow_customer
from siyu.customers.models import CustomerFollow, Event
from siyu.customers.tests.factories import make_customer
from siyu.demo.brand import Brand
from siyu.transfers.handover import (
    TRANSFERRED_EVENT,
    close_if_settled,
    fail_at_start,
    fail_items,
    open_transfer,
    settle_item,
)
from siyu.transfers.models import TransferItem, TransferStatus

pytestmark = pytest.mark.django_db


def _job(brand: Brand) -> tuple[int, int]:
    yes, no = make_customer("oYes"), make_customer("oNo")
    for c in (yes, no):
        follow_customer(c, brand.chen_jing, primary=True)
    taker = brand.staff["sales02"]
    job = open_transfer(
        brand.chen_jing, taker, resigned=True, message="", contacts={yes.pk: "wmY", no.pk: "wmN"}
    )
    assert job.items.filter(status=TransferStatus.PENDING).count() == 2
    return yes.pk, no.pk


def _item(ext: str) -> TransferItem:
    return TransferItem.objects.get(external_userid=ext)


def test_success_moves_follow_owner_and_store_once(brand: Brand) -> None:
    yes_pk, _ = _job(brand)
    item = _item("wmY")
    assert settle_item(item.pk, TransferStatus.DONE, wecom_status=1)
    assert not settle_item(item.pk, TransferStatus.DONE, wecom_status=1)  # applied once
    follow = CustomerFollow.objects.get(customer_id=yes_pk, staff=brand.chen_jing)
    assert follow.ended_at is not None
    customer = follow.customer
    customer.refresh_from_db()
    taker = brand.staff["sales02"]
    assert (customer.primary_owner, customer.org_unit) == (taker, taker.org_unit)
    assert Event.objects.filter(customer_id=yes_pk, type=TRANSFERRED_EVENT).count() == 1


def test_refusals_and_failures_move_nothing_and_close_the_job(brand: Brand) -> None:
    _job(brand)
    job = _item("wmY").job
    assert fail_at_start(job, {"wmY": 84061, "wmN": 0}) == 1
    assert (_item("wmY").status, _item("wmY").errcode) == (TransferStatus.FAILED, 84061)
    close_if_settled(job)
    assert not job.finished  # wmN still pending
    pending = TransferItem.objects.filter(status=TransferStatus.PENDING)
    assert fail_items(pending, TransferStatus.REFUSED, "customer_refused") == 1
    job.refresh_from_db()
    assert job.finished
    assert _item("wmN").fail_reason == "customer_refused"
    assert not CustomerFollow.objects.filter(staff=brand.staff["sales02"]).exists()
