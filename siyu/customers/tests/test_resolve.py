from __future__ import annotations

import random
from collections import defaultdict

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siyu.customers.identity_rules import IdentityInput
from siyu.customers.models import (
    Customer,
    CustomerStatus,
    Identity,
    IdentityStatus,
    ReviewFlag,
    ReviewKind,
)
from siyu.customers.resolve import resolve_identities
from siyu.customers.tests.reference import Key, expected_partition

CORP = "wwcorp"
UNIVERSE = [
    *(IdentityInput("wechat_unionid", f"oU{i}") for i in range(3)),
    *(IdentityInput("wecom_external_userid", f"wmE{i}", CORP) for i in range(3)),
    *(IdentityInput("store_member_no", f"M{i}") for i in range(3)),
    *(IdentityInput("taobao_buyer_id", f"tb{i}") for i in range(3)),
    *(IdentityInput("phone", f"1391234560{i}") for i in range(3)),
    *(IdentityInput("email", f"u{i}@example.com") for i in range(2)),
    IdentityInput("wechat_unionid", "null"),
    IdentityInput("phone", "00000000000"),
]
observations = st.lists(
    st.lists(st.sampled_from(UNIVERSE), min_size=1, max_size=4), min_size=1, max_size=12
)


def stored_partition() -> tuple[set[frozenset[Key]], set[Key]]:
    """Read back what the engine persisted, in the reference's terms (PII keys hashed)."""
    groups: dict[int, set[Key]] = defaultdict(set)
    shared: set[Key] = set()
    for row in Identity.objects.all():
        key = (row.type, row.namespace, row.value)
        if row.status == IdentityStatus.SHARED:
            assert row.customer_id is None
            shared.add(key)
        else:
            assert row.customer_id is not None
            groups[row.customer_id].add(key)
    active = set(Customer.objects.filter(status=CustomerStatus.ACTIVE).values_list("pk", flat=True))
    assert set(groups) <= active, "identities must hang off active profiles only"
    return {frozenset(g) for g in groups.values()}, shared


def run_in_rollback(obs: list[list[IdentityInput]]) -> tuple[set[frozenset[Key]], set[Key]]:
    with transaction.atomic():
        for o in obs:
            resolve_identities(o, source="test")
        result = stored_partition()
        transaction.set_rollback(True)
    return result


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(obs=observations, seed=st.integers(0, 2**16))
def test_grouping_matches_the_rule_whatever_the_arrival_order(
    obs: list[list[IdentityInput]], seed: int
) -> None:
    shuffled = obs[:]
    random.Random(seed).shuffle(shuffled)
    first = run_in_rollback(obs)
    second = run_in_rollback(shuffled)
    assert first == second
    assert first == expected_partition(obs)


@pytest.mark.django_db
def test_junk_values_never_link_two_people() -> None:
    a = resolve_identities(
        [IdentityInput("wechat_unionid", "oA"), IdentityInput("phone", "null")], source="t"
    )
    b = resolve_identities(
        [IdentityInput("wechat_unionid", "oB"), IdentityInput("phone", "null")], source="t"
    )
    c = resolve_identities([IdentityInput("app_user_id", "undefined")], source="t")
    assert a is not None
    assert b is not None
    assert a.pk != b.pk
    assert c is None
    assert not Identity.objects.filter(value__in=["null", "undefined"]).exists()


@pytest.mark.django_db
def test_shared_store_phone_is_flagged_and_never_merges_walk_in_members() -> None:
    store_phone = IdentityInput("phone", "13912345678")
    profiles = [
        resolve_identities([IdentityInput("store_member_no", f"M{i}"), store_phone], source="pos")
        for i in range(3)
    ]
    ids = {p.pk for p in profiles if p is not None}
    members = Identity.objects.filter(type="store_member_no")
    assert len({m.customer_id for m in members}) == 3
    phone = Identity.objects.get(type="phone")
    assert phone.status == IdentityStatus.SHARED
    assert phone.customer_id is None
    assert ReviewFlag.objects.filter(kind=ReviewKind.SHARED_IDENTIFIER, identity=phone).exists()
    assert ids <= set(
        Customer.objects.filter(status=CustomerStatus.ACTIVE).values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_old_taobao_buyer_merges_when_added_on_wecom_by_phone() -> None:
    buyer = resolve_identities(
        [IdentityInput("taobao_buyer_id", "zhangmin88"), IdentityInput("phone", "13912340001")],
        source="taobao",
    )
    contact = resolve_identities(
        [
            IdentityInput("wecom_external_userid", "wmZM", CORP),
            IdentityInput("phone", "+86 139-1234-0001"),
        ],
        source="wecom",
    )
    assert buyer is not None
    assert contact is not None
    assert contact.pk == buyer.pk
    assert Customer.objects.filter(status=CustomerStatus.ACTIVE).count() == 1


@pytest.mark.django_db
def test_merge_limit_stops_growth_and_flags(settings: pytest.FixtureRequest) -> None:
    settings.SIYU_MERGE_LIMIT = 2  # type: ignore[attr-defined]
    hub = IdentityInput("wechat_unionid", "oHub")
    for i in range(4):
        resolve_identities([IdentityInput("app_user_id", f"app{i}")], source="t")
    for i in range(4):
        resolve_identities([hub, IdentityInput("app_user_id", f"app{i}")], source="t")
    # app_user_id has a cap of 1, so the hub is not "shared" (it outranks app ids) but the
    # profile would absorb 4 others: it stops at the limit and is flagged.
    survivor = Identity.objects.get(value="oHub").customer
    assert survivor is not None
    assert survivor.merge_count <= 2
    assert ReviewFlag.objects.filter(kind=ReviewKind.MERGE_LIMIT, customer=survivor).exists()
