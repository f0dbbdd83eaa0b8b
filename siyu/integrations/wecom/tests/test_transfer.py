"""Customer transfers: follows move on success only; history and statuses are kept."""

from __future__ import annotations

import pytest
from django.test import Client

from siyu.customers.models import CustomerFollow, Event
from siyu.demo.brand import Brand
from siyu.integrations.wecom.client.api import WeComClient
from siyu.integrations.wecom.process import drain_pending
from siyu.integrations.wecom.simulator.server import Simulator
from siyu.integrations.wecom.simulator.transfers import settle_transfer
from siyu.integrations.wecom.sync.full import run_full_sync
from siyu.integrations.wecom.tests.conftest import add_contact_xml, post_event
from siyu.integrations.wecom.tests.sync_factories import add_contact, corp, profile
from siyu.integrations.wecom.transfer import (
    TRANSFERRED_EVENT,
    apply_transfer_fail,
    poll_transfers,
    transfer_customers,
)
from siyu.transfers.models import TransferItem, TransferStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(brand: Brand) -> tuple[Simulator, WeComClient]:
    sim, client = corp()
    add_contact(sim, "wmYes", "接受", ["ChenJing"])
    add_contact(sim, "wmNo", "拒绝", ["ChenJing"])
    run_full_sync(client)
    return sim, client


def _item(ext: str) -> TransferItem:
    return TransferItem.objects.get(external_userid=ext)


def test_transfer_moves_follows_on_success_and_keeps_them_on_refusal(
    world: tuple[Simulator, WeComClient], brand: Brand
) -> None:
    sim, client = world
    job = transfer_customers(
        brand.chen_jing, brand.wang_qiang, resigned=False, client=client, message="王店长接手"
    )
    assert job.items.filter(status=TransferStatus.PENDING).count() == 2
    assert poll_transfers(client) == 2  # WeCom waits for the customers: status 2 recorded
    assert _item("wmYes").wecom_status == 2
    assert poll_transfers(client) == 0  # unchanged status, nothing written

    settle_transfer(sim, "ChenJing", "WangQiang", "wmYes", 1)
    settle_transfer(sim, "ChenJing", "WangQiang", "wmNo", 3)
    assert poll_transfers(client) == 2

    yes, no = profile("wmYes"), profile("wmNo")
    assert yes is not None
    assert no is not None
    assert _item("wmYes").status == TransferStatus.DONE
    assert _item("wmNo").status == TransferStatus.REFUSED
    old = CustomerFollow.objects.get(customer=yes, staff=brand.chen_jing)
    assert old.ended_at is not None  # history: the old follow is ended, not deleted
    assert CustomerFollow.objects.get(customer=yes, staff=brand.wang_qiang).ended_at is None
    yes.refresh_from_db()
    assert yes.primary_owner == brand.wang_qiang
    assert Event.objects.filter(customer=yes, type=TRANSFERRED_EVENT).count() == 1
    no.refresh_from_db()
    assert no.primary_owner == brand.chen_jing
    assert not CustomerFollow.objects.filter(customer=no, staff=brand.wang_qiang).exists()
    job.refresh_from_db()
    assert job.finished
    assert poll_transfers(client) == 0  # nothing open, nothing applied twice


@pytest.mark.parametrize("resigned", [True, False])
def test_transfer_hands_the_staff_members_groups_to_the_taker(
    world: tuple[Simulator, WeComClient], brand: Brand, resigned: bool
) -> None:
    sim, client = world
    chat = sim.create_group("ChenJing", "静安店会员群")
    other = sim.create_group("WangQiang", "徐汇店会员群")
    job = transfer_customers(brand.chen_jing, brand.wang_qiang, resigned=resigned, client=client)
    assert job.resigned is resigned
    assert job.groups_moved == [chat]
    assert job.groups_left_out == []
    assert sim.world.groups[chat]["owner"] == "WangQiang"
    assert sim.world.groups[other]["owner"] == "WangQiang"
    assert client.transfer_groupchats(["wrNoSuchChat"], "WangQiang", resigned=True) == {
        "wrNoSuchChat": 40050
    }
    path = "resigned/transfer_customer" if resigned else "transfer_customer"
    assert sim.errcodes(f"/cgi-bin/externalcontact/{path}") == [0]


def test_customer_no_longer_a_contact_fails_at_once(
    world: tuple[Simulator, WeComClient], brand: Brand
) -> None:
    sim, client = world
    sim.world.contacts["wmNo"].follows.pop("ChenJing")  # deleted, callback lost
    transfer_customers(brand.chen_jing, brand.wang_qiang, resigned=False, client=client)
    item = _item("wmNo")
    assert (item.status, item.errcode) == (TransferStatus.FAILED, 84061)


def test_transfer_fail_callback_settles_the_item(
    world: tuple[Simulator, WeComClient], brand: Brand
) -> None:
    _, client = world
    job = transfer_customers(brand.chen_jing, brand.wang_qiang, resigned=False, client=client)
    assert apply_transfer_fail("WangQiang", "wmNo", "customer_limit_exceed") == 1
    item = _item("wmNo")
    assert (item.status, item.fail_reason) == (TransferStatus.LIMITED, "customer_limit_exceed")
    job.refresh_from_db()
    assert not job.finished  # wmYes still pending


def test_transfer_fail_arriving_as_a_callback_settles_the_item(
    world: tuple[Simulator, WeComClient], brand: Brand, client: Client
) -> None:
    _, wecom = world
    transfer_customers(brand.chen_jing, brand.wang_qiang, resigned=False, client=wecom)
    xml = add_contact_xml(
        "WangQiang", "wmNo", ChangeType="transfer_fail", FailReason="customer_refused"
    )
    assert post_event(client, xml).status == 200
    drain_pending()
    assert _item("wmNo").status == TransferStatus.REFUSED
    assert _item("wmYes").status == TransferStatus.PENDING
