from __future__ import annotations

from typing import Any

import pytest

from siyu.core.models import AuditLog
from siyu.customers.consent import record_consent
from siyu.customers.events import record_event
from siyu.customers.follows import follow_customer
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.merge import merge_customers, unmerge
from siyu.customers.models import Customer, CustomerStatus, IdentityLink, MergeRecord
from siyu.customers.orders import OrderInput, import_order
from siyu.customers.resolve import resolve_identities
from siyu.customers.tagging import add_tag, ensure_tag
from siyu.customers.tests.factories import at, make_customer
from siyu.demo.brand import Brand


def snapshot(c: Customer) -> dict[str, Any]:
    c.refresh_from_db()
    return {
        "fields": (
            c.display_name,
            c.real_name,
            c.phone_last4,
            c.region,
            c.status,
            c.primary_owner_id,
            c.created_at,
            c.merge_count,
        ),
        "identities": sorted(c.identities.values_list("type", "value")),
        "tags": sorted(c.tag_links.values_list("tag__name", "source")),
        "events": sorted(c.events.values_list("idempotency_key", flat=True)),
        "orders": sorted(c.orders.values_list("order_no", flat=True)),
        "follows": sorted(c.follows.values_list("staff__display_name", flat=True)),
        "consents": sorted(c.consents.values_list("purpose", "granted")),
    }


def populate(c: Customer, brand: Brand, n: str, staff_key: str) -> None:
    vip = ensure_tag("价值", "VIP")
    add_tag(c, vip)
    add_tag(c, ensure_tag("兴趣", f"兴趣{n}"))
    record_event(c, type="page_view", occurred_at=at(2026, 3, 1), idempotency_key=f"ev-{n}")
    import_order(c, OrderInput("taobao", f"TB{n}", at(2025, 6, 1), 5000, 5000))
    follow_customer(c, brand.staff[staff_key])
    record_consent(
        c, purpose="marketing", granted=True, policy_version="v1", source="t", at=at(2026, 1, 1)
    )


@pytest.mark.django_db
def test_unmerge_restores_both_profiles_exactly(brand: Brand) -> None:
    a = make_customer("oA", display_name="敏", region="上海")
    b = make_customer("oB", real_name="张敏", phone="13912340001")
    populate(a, brand, "1", "chen.jing")
    populate(b, brand, "2", "wang.qiang")
    before_a, before_b = snapshot(a), snapshot(b)

    record = merge_customers(a, b, reason="test")
    merged = snapshot(a)
    assert Customer.objects.get(pk=b.pk).status == CustomerStatus.MERGED
    assert merged["orders"] == ["TB1", "TB2"]
    assert merged["tags"] == sorted([("VIP", "manual"), ("兴趣1", "manual"), ("兴趣2", "manual")])
    assert merged["fields"][1] == "张敏"  # survivor filled an empty field

    unmerge(record)
    assert snapshot(a) == before_a
    assert snapshot(b) == before_b
    assert AuditLog.objects.filter(action="customer.merge").count() == 1
    assert AuditLog.objects.filter(action="customer.unmerge").count() == 1


@pytest.mark.django_db
def test_unmerged_profiles_are_not_merged_again_on_the_same_evidence() -> None:
    phone = IdentityInput("phone", "13912340002")
    # One person may hold several Taobao accounts, so the phone links these two profiles.
    a = resolve_identities([IdentityInput("taobao_buyer_id", "tbA"), phone], source="t")
    b = resolve_identities([IdentityInput("taobao_buyer_id", "tbB")], source="t")
    assert a is not None
    assert b is not None
    resolve_identities([IdentityInput("taobao_buyer_id", "tbB"), phone], source="t")
    record = MergeRecord.objects.get()
    unmerge(record)
    assert IdentityLink.objects.filter(blocked=True).exists()
    again = resolve_identities([IdentityInput("taobao_buyer_id", "tbA"), phone], source="t")
    assert again is not None
    assert Customer.objects.filter(status=CustomerStatus.ACTIVE).count() == 2


@pytest.mark.django_db
def test_unmerge_twice_is_refused() -> None:
    a, b = make_customer("oA"), make_customer("oB")
    record = merge_customers(a, b, reason="t")
    unmerge(record)
    with pytest.raises(ValueError, match="already undone"):
        unmerge(record)
