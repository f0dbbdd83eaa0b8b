"""A transfer to another store's staff moves the customer into that store's scope."""

from __future__ import annotations

import pytest

from siyu.customers.scope import visible_customers
from siyu.demo.brand import Brand
from siyu.integrations.wecom.simulator.transfers import settle_transfer
from siyu.integrations.wecom.sync.full import run_full_sync
from siyu.integrations.wecom.tests.sync_factories import add_contact, corp, profile
from siyu.integrations.wecom.transfer import poll_transfers, transfer_customers

pytestmark = pytest.mark.django_db


def _sees(brand: Brand, username: str, customer_pk: int) -> bool:
    return visible_customers(brand.staff[username].user).filter(pk=customer_pk).exists()


def test_new_store_manager_sees_a_transferred_customer_and_the_old_one_does_not(
    brand: Brand,
) -> None:
    sim, client = corp()
    add_contact(sim, "wmMove", "搬家", ["ChenJing"])
    run_full_sync(client)
    customer = profile("wmMove")
    assert customer is not None
    xuhui = brand.staff["sales02"]  # 上海徐汇店, managed by manager02
    assert xuhui.org_unit != brand.chen_jing.org_unit
    assert _sees(brand, "wang.qiang", customer.pk)
    assert not _sees(brand, "manager02", customer.pk)

    transfer_customers(brand.chen_jing, xuhui, resigned=True, client=client)
    settle_transfer(sim, "ChenJing", "Sales02", "wmMove", 1)
    assert poll_transfers(client) == 1

    customer.refresh_from_db()
    assert customer.primary_owner == xuhui
    assert customer.org_unit == xuhui.org_unit
    assert _sees(brand, "manager02", customer.pk)
    assert _sees(brand, "sales02", customer.pk)
    assert not _sees(brand, "wang.qiang", customer.pk)
    assert not _sees(brand, "chen.jing", customer.pk)
    assert _sees(brand, "lin.yue", customer.pk)
