"""Merge hooks: every table holding customer rows is registered, rows are never left on
the merged profile, each policy merges and unmerges exactly, and the cost of a merge does
not grow with the rows it moves (no savepoint per row)."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from siyu.customers.follows import follow_customer
from siyu.customers.merge import merge_customers, unmerge
from siyu.customers.merge_hooks import (
    EXEMPT,
    REGISTRY,
    CustomerRows,
    MergePolicy,
    MergeRefused,
    registered,
    state_of,
)
from siyu.customers.models import Customer, CustomerFollow, CustomerStatus, CustomerTag, MergeRecord
from siyu.customers.tagging import add_tag, ensure_tag
from siyu.customers.tests.factories import at, make_customer
from siyu.demo.brand import Brand


def _tables_pointing_at_customers() -> set[str]:
    found = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.ForeignKey) and field.related_model is Customer:
                found.add(model._meta.label)
    return found


def test_every_table_with_a_customer_key_registers_how_it_merges() -> None:
    unregistered = _tables_pointing_at_customers() - set(REGISTRY) - set(EXEMPT)
    assert unregistered == set(), f"register a merge hook for {sorted(unregistered)}"
    assert set(REGISTRY) <= _tables_pointing_at_customers()  # no stale registrations


@pytest.mark.django_db
def test_nothing_is_left_on_the_merged_profile(brand: Brand) -> None:
    from siyu.channels.models import Attribution
    from siyu.channels.tests.factories import make_channel

    a, b = make_customer("oA"), make_customer("oB")
    vip, channel = ensure_tag("价值", "VIP"), make_channel()
    for c in (a, b):  # clashes: both hold the same tag, staff and a first touch
        add_tag(c, vip)
        follow_customer(c, brand.chen_jing)
        Attribution.objects.create(customer=c, channel=channel, touched_at=at(2026, 1, 1))
    merge_customers(a, b, reason="test")
    for label, rows in REGISTRY.items():
        left = apps.get_model(label)._default_manager.filter(**{rows.column: b.pk})
        assert not left.exists(), label


def both_vip() -> tuple[Customer, Customer]:
    """Two profiles holding the same tag: their links clash on merge."""
    a, b = make_customer("oA"), make_customer("oB")
    vip = ensure_tag("价值", "VIP")
    add_tag(a, vip)
    add_tag(b, vip)
    return a, b


def _tags(c: Customer) -> list[str]:
    return sorted(CustomerTag.objects.filter(customer=c).values_list("tag__name", flat=True))


@pytest.mark.django_db
def test_merge_costs_the_same_queries_for_3_or_30_rows() -> None:
    from siyu.channels.models import Touch
    from siyu.channels.tests.factories import make_channel

    channel = make_channel()

    def queries_for(n: int) -> int:
        a, b = make_customer(f"oA{n}"), make_customer(f"oB{n}")
        for i in range(n):
            tag = ensure_tag("兴趣", f"兴趣{i}")
            add_tag(b, tag)
            if i % 2:
                add_tag(a, tag)  # half of them clash
            Touch.objects.create(
                customer=b, channel=channel, occurred_at=at(2026, 1, 1), idempotency_key=f"{n}:{i}"
            )
        with CaptureQueriesContext(connection) as ctx:
            merge_customers(a, b, reason="test")
        assert _tags(a) == sorted(f"兴趣{i}" for i in range(n))
        assert Touch.objects.filter(customer=a).count() == n
        return len(ctx.captured_queries)

    assert queries_for(3) == queries_for(30)


def _earliest_follow(kept: CustomerFollow, other: CustomerFollow) -> None:
    kept.created_at = min(kept.created_at, other.created_at)


@pytest.mark.django_db
def test_combine_folds_the_clashing_row_in_and_unmerge_restores_both(brand: Brand) -> None:
    a, b = make_customer("oA"), make_customer("oB")
    follow_customer(a, brand.chen_jing, at=at(2026, 5, 1))
    follow_customer(b, brand.chen_jing, at=at(2025, 5, 1))
    before = sorted(CustomerFollow.objects.values_list("pk", "customer_id", "created_at"))
    combine = CustomerRows(
        CustomerFollow, MergePolicy.COMBINE, key=("staff",), combine=_earliest_follow
    )
    with registered(combine):
        record = merge_customers(a, b, reason="test")
        [(customer_id, created_at)] = CustomerFollow.objects.values_list(
            "customer_id", "created_at"
        )
        assert (customer_id, created_at) == (a.pk, at(2025, 5, 1))
        unmerge(record)
    assert sorted(CustomerFollow.objects.values_list("pk", "customer_id", "created_at")) == before


@pytest.mark.django_db
def test_keep_newest_keeps_the_later_row() -> None:
    a, b = both_vip()  # b's tag link is the later one
    b_link = CustomerTag.objects.get(customer=b)
    newest = CustomerRows(CustomerTag, MergePolicy.KEEP_NEWEST, key=("tag",), by="created_at")
    with registered(newest):
        record = merge_customers(a, b, reason="test")
        assert list(CustomerTag.objects.values_list("pk", "customer_id")) == [(b_link.pk, a.pk)]
        unmerge(record)
    assert sorted(CustomerTag.objects.values_list("customer_id", flat=True)) == [a.pk, b.pk]


@pytest.mark.django_db
def test_a_refusing_table_stops_the_merge_before_anything_is_written() -> None:
    a, b = both_vip()
    refuse = CustomerRows(CustomerTag, MergePolicy.REFUSE, key=("tag",))
    with registered(refuse), pytest.raises(MergeRefused) as refused:
        merge_customers(a, b, reason="test")
    assert refused.value.label == "customers.CustomerTag"
    b.refresh_from_db()
    assert b.status == CustomerStatus.ACTIVE
    assert _tags(b) == ["VIP"]
    assert not MergeRecord.objects.exists()


def test_a_policy_that_cannot_find_clashes_is_refused_at_registration() -> None:
    from siyu.customers.merge_hooks import register_customer_rows

    with pytest.raises(ValueError, match="needs a `key`"):
        register_customer_rows(CustomerRows(CustomerTag, MergePolicy.REFUSE))
    with pytest.raises(ValueError, match="needs `by`"):
        register_customer_rows(CustomerRows(CustomerTag, MergePolicy.KEEP_NEWEST, key=("tag",)))


def _legacy(moved: dict[str, Any]) -> dict[str, Any]:
    """The ``moved`` layout merge records had before the registry."""
    rows = moved["rows"]

    def ids(label: str) -> list[int]:
        return list(rows.get(label, {}).get("moved", []))

    def pair(label: str) -> dict[str, Any]:
        return {"moved": ids(label), "dropped": rows.get(label, {}).get("aside", [])}

    return {
        "identities": ids("customers.Identity"),
        "events": ids("customers.Event"),
        "orders": ids("customers.Order"),
        "consents": ids("customers.Consent"),
        "tags": pair("customers.CustomerTag"),
        "follows": pair("customers.CustomerFollow"),
        "other": {},
    }


@pytest.mark.django_db
def test_merge_records_written_before_the_registry_still_undo() -> None:
    a, b = both_vip()
    add_tag(b, ensure_tag("兴趣", "咖啡"))
    record = merge_customers(a, b, reason="test")
    MergeRecord.objects.filter(pk=record.pk).update(moved=_legacy(record.moved))
    assert state_of(_legacy(record.moved))["customers.CustomerTag"]["aside"]
    unmerge(record)
    assert (_tags(a), _tags(b)) == (["VIP"], ["VIP", "咖啡"])


@pytest.mark.django_db
def test_identity_resolution_flags_a_refused_merge_for_review_instead_of_failing() -> None:
    from siyu.customers.identity_rules import IdentityInput
    from siyu.customers.models import ReviewFlag, ReviewKind
    from siyu.customers.resolve import resolve_identities

    phone = IdentityInput("phone", "13912340003")
    a = resolve_identities([IdentityInput("taobao_buyer_id", "tbA"), phone], source="t")
    b = resolve_identities([IdentityInput("taobao_buyer_id", "tbB")], source="t")
    assert a is not None
    assert b is not None
    vip = ensure_tag("价值", "VIP")
    add_tag(a, vip)
    add_tag(b, vip)
    with registered(CustomerRows(CustomerTag, MergePolicy.REFUSE, key=("tag",))):
        resolve_identities([IdentityInput("taobao_buyer_id", "tbB"), phone], source="t")
    assert Customer.objects.filter(status=CustomerStatus.ACTIVE).count() == 2
    flag = ReviewFlag.objects.get(kind=ReviewKind.MERGE_REFUSED)
    assert flag.detail["refused_by"] == "customers.CustomerTag"
