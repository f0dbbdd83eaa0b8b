"""The fast path for a known person seen with a new identifier decides what the general
resolution would: the same grouping, every observed pair linked, a cap overflow flagged."""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from pytest_django import DjangoAssertNumQueries

from siyu.customers.identity_rules import IdentityInput, rule_for, stored_key
from siyu.customers.models import (
    ChangeKind,
    Customer,
    CustomerChange,
    CustomerStatus,
    Identity,
    IdentityLink,
    ReviewFlag,
    ReviewKind,
)
from siyu.customers.resolve import resolve_identities
from siyu.customers.tests.reference import expected_partition
from siyu.customers.tests.test_resolve import observations, stored_partition

pytestmark = pytest.mark.django_db
UNIONID = IdentityInput("wechat_unionid", "oU-zhangmin")
EXTERNAL = IdentityInput("wecom_external_userid", "wm-zhangmin", "wwcorp")


def test_a_known_person_gains_a_new_identifier_in_one_short_transaction(
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    person = resolve_identities([UNIONID, EXTERNAL], source="wecom")
    assert person is not None
    openid = IdentityInput("miniprogram_openid", "mp-zhangmin", "wxapp")
    # Read, gate, lock, three inserts, and the savepoint pair of the test's transaction;
    # the general resolution takes twice as many.
    with django_assert_max_num_queries(9):
        again = resolve_identities([UNIONID, EXTERNAL, openid], source="miniprogram")
    assert again == person
    row = Identity.objects.get(type="miniprogram_openid")
    assert row.customer_id == person.pk
    assert row.source == "miniprogram"
    pairs = set(IdentityLink.objects.values_list("a_id", "b_id"))
    ids = sorted(Identity.objects.values_list("pk", flat=True))
    assert pairs == set(combinations(ids, 2))
    gained = CustomerChange.objects.filter(customer_id=person.pk, kind=ChangeKind.IDENTITY)
    assert [c.data for c in gained.order_by("id")][-1] == {"gained": 1}


def test_a_new_identifier_that_outranks_a_stored_one_still_marks_a_shared_phone() -> None:
    """A store phone known on one member, seen with another person's unionid: the new
    unionid outranks the phone, so the general path decides and the phone turns shared."""
    phone = IdentityInput("phone", "13900000001")
    first = resolve_identities([IdentityInput("wechat_unionid", "oU-a"), phone], source="t")
    second = resolve_identities([IdentityInput("wechat_unionid", "oU-b"), phone], source="t")
    assert first is not None
    assert second is not None
    assert first != second
    stored = Identity.objects.get(type="phone")
    assert stored.status == "shared"
    assert stored.customer_id is None
    assert ReviewFlag.objects.filter(kind=ReviewKind.SHARED_IDENTIFIER).count() == 1


def test_a_second_value_of_a_kind_is_flagged_not_attached_silently() -> None:
    person = resolve_identities([UNIONID, EXTERNAL], source="wecom")
    other = IdentityInput("wecom_external_userid", "wm-zhangmin-2", "wwcorp")
    assert resolve_identities([UNIONID, other], source="wecom") == person
    assert Identity.objects.filter(customer=person).count() == 3
    flag = ReviewFlag.objects.get(kind=ReviewKind.CAP_EXCEEDED, customer=person)
    assert flag.detail == {"over": {"wecom_external_userid:wwcorp": 2}}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(obs=observations)
def test_every_observed_pair_is_linked_and_every_overflow_flagged(
    obs: list[list[IdentityInput]],
) -> None:
    with transaction.atomic():
        for o in obs:
            resolve_identities(o, source="test")
        assert stored_partition() == expected_partition(obs)
        rows = {(r.type, r.namespace, r.value): r.pk for r in Identity.objects.all()}
        expected_links = set()
        for o in obs:
            keys = {(k.type, k.namespace, k.value) for i in o if (k := stored_key(i))}
            ids = sorted(rows[k] for k in keys)
            expected_links |= set(combinations(ids, 2))
        assert set(IdentityLink.objects.values_list("a_id", "b_id")) == expected_links
        kinds: dict[int, Counter[tuple[str, str]]] = defaultdict(Counter)
        for customer_id, t, ns in Identity.objects.exclude(customer=None).values_list(
            "customer_id", "type", "namespace"
        ):
            kinds[customer_id][(t, ns)] += 1
        flagged = set(
            ReviewFlag.objects.filter(kind=ReviewKind.CAP_EXCEEDED, resolved_at=None).values_list(
                "customer_id", flat=True
            )
        )
        active = set(Customer.objects.filter(status=CustomerStatus.ACTIVE).values_list("pk"))
        over = {
            pk
            for pk, counts in kinds.items()
            if any(n > rule_for(t).cap for (t, _ns), n in counts.items())
        }
        assert over <= flagged
        assert {(pk,) for pk in over} <= active
        transaction.set_rollback(True)


def test_a_new_identifier_outranking_a_stored_one_counts_its_blocked_neighbours() -> None:
    """After an unmerge the phone keeps a blocked link to the other person's unionid, which
    the profile's own identifiers do not show: a third unionid on the phone makes it shared
    (the general path's rule), it is not attached to the phone's profile."""
    from siyu.customers.merge import unmerge
    from siyu.customers.models import MergeRecord

    phone = IdentityInput("phone", "13900000002")
    first = resolve_identities([IdentityInput("taobao_buyer_id", "tb-a"), phone], source="t")
    resolve_identities([IdentityInput("wechat_unionid", "oU-b")], source="t")
    resolve_identities([IdentityInput("wechat_unionid", "oU-b"), phone], source="t")
    unmerge(MergeRecord.objects.get())
    assert first is not None
    assert Identity.objects.get(type="phone").customer_id == first.pk
    resolve_identities([IdentityInput("wechat_unionid", "oU-c"), phone], source="t")
    assert Identity.objects.get(type="phone").status == "shared"
    assert Identity.objects.get(value="oU-c").customer_id != first.pk
