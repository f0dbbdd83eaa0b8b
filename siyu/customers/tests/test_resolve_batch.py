from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings

from siyu.customers.identity_rules import IdentityInput
from siyu.customers.resolve import resolve_identities
from siyu.customers.resolve_batch import build_graph, partition, persist, plan
from siyu.customers.tests.reference import Key, expected_partition
from siyu.customers.tests.test_resolve import observations, stored_partition


def keyed(groups: set[frozenset[int]], keys: list[Key]) -> set[frozenset[Key]]:
    return {frozenset(keys[i] for i in g) for g in groups}


@settings(max_examples=200, deadline=None)
@given(obs=observations)
def test_batch_plan_follows_the_same_rule_as_the_reference(
    obs: list[list[IdentityInput]],
) -> None:
    p = plan(build_graph(obs))
    keys = [(k.type, k.namespace, k.value) for k in p.graph.keys]
    groups, shared = expected_partition(obs)
    assert keyed(partition(p), keys) == groups
    assert {keys[i] for i in range(len(keys)) if p.shared[i]} == shared


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(obs=observations)
def test_batch_load_persists_what_incremental_resolution_would(
    obs: list[list[IdentityInput]],
) -> None:
    with transaction.atomic():
        persist(plan(build_graph(obs)), source="bulk", at=datetime(2026, 1, 1, tzinfo=UTC))
        bulk = stored_partition()
        # Incremental resolution continues correctly on top of a bulk load.
        for o in obs[:2]:
            resolve_identities(o, source="again")
        assert stored_partition() == bulk
        transaction.set_rollback(True)
    assert bulk == expected_partition(obs)
