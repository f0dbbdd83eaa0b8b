"""Resolution under real parallel writers: the final grouping must equal the rule's,
with no lost identifiers and no duplicate profiles."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import close_old_connections, connection

from siyu.customers.identity_rules import IdentityInput
from siyu.customers.resolve import resolve_identities
from siyu.customers.tests.reference import expected_partition
from siyu.customers.tests.test_resolve import stored_partition


def make_observations(seed: int, n: int) -> list[list[IdentityInput]]:
    rng = random.Random(seed)
    universe = [
        *(IdentityInput("wechat_unionid", f"oU{i}") for i in range(12)),
        *(IdentityInput("wecom_external_userid", f"wm{i}", "corp") for i in range(12)),
        *(IdentityInput("phone", f"1391234{i:04d}") for i in range(12)),
        *(IdentityInput("taobao_buyer_id", f"tb{i}") for i in range(12)),
        *(IdentityInput("store_member_no", f"M{i}") for i in range(6)),
    ]
    return [rng.sample(universe, rng.randint(1, 3)) for _ in range(n)]


def resolve_all(chunk: list[list[IdentityInput]]) -> None:
    try:
        for obs in chunk:
            resolve_identities(obs, source="parallel")
    finally:
        close_old_connections()
        connection.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("seed", [1, 2])
def test_parallel_writers_reach_the_same_grouping_as_the_rule(seed: int) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row-lock concurrency is exercised on PostgreSQL; SQLite serialises writers")
    obs = make_observations(seed, 240)
    chunks = [obs[i::4] for i in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(resolve_all, chunks))
    assert stored_partition() == expected_partition(obs)


@pytest.mark.django_db(transaction=True)
def test_first_contacts_racing_on_one_new_identifier_make_one_profile() -> None:
    """The lone-new-identifier fast path: losers of the INSERT race fall back and join
    the winner's profile instead of making their own."""
    if connection.vendor != "postgresql":
        pytest.skip("row-lock concurrency is exercised on PostgreSQL; SQLite serialises writers")
    import threading

    from siyu.customers.models import Customer, Identity

    for round_ in range(5):
        start = threading.Barrier(6)
        identity = IdentityInput("wecom_external_userid", f"wmrace{round_}", "corp")

        def first_contact(
            identity: IdentityInput = identity, start: threading.Barrier = start
        ) -> int:
            try:
                start.wait()
                customer = resolve_identities([identity], source="parallel")
                assert customer is not None
                return customer.pk
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=6) as pool:
            owners = set(pool.map(lambda _: first_contact(), range(6)))
        rows = Identity.objects.filter(value=f"wmrace{round_}")
        assert rows.count() == 1
        assert owners == {rows.get().customer_id}
    assert Customer.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_a_known_person_gaining_identifiers_in_parallel_keeps_each_once() -> None:
    """The known-person fast path under racing writers: one new identifier attached by
    four at once is stored once, four different ones all land, and the grouping is the
    rule's (losers of an INSERT race fall back to the general path)."""
    if connection.vendor != "postgresql":
        pytest.skip("row-lock concurrency is exercised on PostgreSQL; SQLite serialises writers")
    import threading

    from siyu.customers.models import Identity

    unionid = IdentityInput("wechat_unionid", "oU-race")
    person = resolve_identities([unionid], source="parallel")
    assert person is not None
    everything: list[list[IdentityInput]] = [[unionid]]
    for round_ in range(3):
        same = IdentityInput("store_member_no", f"M-race{round_}")
        obs = [[unionid, same]] * 4 + [
            [unionid, IdentityInput("miniprogram_openid", f"mp{round_}-{i}", f"wx{round_}-{i}")]
            for i in range(4)
        ]
        everything += obs
        start = threading.Barrier(len(obs))

        def attach(o: list[IdentityInput], start: threading.Barrier = start) -> int | None:
            try:
                start.wait()
                found = resolve_identities(o, source="parallel")
                return found.pk if found else None
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=len(obs)) as pool:
            owners = set(pool.map(attach, obs))
        assert owners == {person.pk}
        assert Identity.objects.filter(value=f"M-race{round_}").count() == 1
    assert Identity.objects.filter(customer=person).count() == 1 + 3 * 5
    assert stored_partition() == expected_partition(everything)
