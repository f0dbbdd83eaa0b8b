"""Acquisition time: set by imports, otherwise the earliest order, event or identity
observation; only ever moves earlier; merges keep the earlier one; old rows back-filled."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps

from siyu.customers.batch import apply_batch
from siyu.customers.events import record_event
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.merge import merge_customers
from siyu.customers.models import Customer
from siyu.customers.orders import OrderInput, import_order
from siyu.customers.profiles import upsert_customer
from siyu.customers.tests.factories import at, make_customer
from siyu.imports.run import run_import_job
from siyu.imports.start import start_import

pytestmark = pytest.mark.django_db


def seen(c: Customer) -> Any:
    c.refresh_from_db()
    return c.first_seen_at


def buy(c: Customer, no: str, when: Any) -> None:
    import_order(c, OrderInput("miniprogram", no, paid_at=when, total_fen=1000, paid_fen=1000))


def test_a_new_profile_is_first_seen_when_observed() -> None:
    c = upsert_customer(
        [IdentityInput("wechat_unionid", "u-new")], fields={}, source="t", at=at(2025, 3, 1)
    )
    assert seen(c) == at(2025, 3, 1)


def test_older_orders_and_events_move_it_earlier_newer_ones_do_not() -> None:
    c = upsert_customer(
        [IdentityInput("wechat_unionid", "u1")], fields={}, source="t", at=at(2025, 6, 1)
    )
    buy(c, "A1", at(2025, 7, 1))
    assert seen(c) == at(2025, 6, 1)
    buy(c, "A2", at(2023, 2, 3))
    assert seen(c) == at(2023, 2, 3)
    record_event(c, type="visit", occurred_at=at(2022, 1, 9), idempotency_key="ev-old")
    assert seen(c) == at(2022, 1, 9)
    record_event(c, type="visit", occurred_at=at(2026, 1, 9), idempotency_key="ev-new")
    buy(c, "A3", at(2024, 1, 1))
    assert seen(c) == at(2022, 1, 9)


def test_an_older_identity_observation_moves_it_earlier() -> None:
    ids = [IdentityInput("wechat_unionid", "u2")]
    c = upsert_customer(ids, fields={}, source="t", at=at(2025, 6, 1))
    upsert_customer(ids, fields={}, source="t", at=at(2024, 6, 1))
    assert seen(c) == at(2024, 6, 1)


def test_the_batch_api_sets_it_and_only_earlier_values_win() -> None:
    item = {"identities": [{"type": "phone", "value": "13900001111"}]}
    later = {**item, "first_seen_at": "2021-05-01T10:00:00+08:00"}
    result = apply_batch("customers", [later], partial=False, source="api")
    assert result.ok, result.errors
    c = Customer.objects.get(pk=result.applied[0].customer_id)
    assert seen(c) == at(2021, 5, 1, 10)
    apply_batch(
        "customers",
        [{**item, "first_seen_at": "2022-01-01T00:00:00Z"}],
        partial=False,
        source="api",
    )
    assert seen(c) == at(2021, 5, 1, 10)
    apply_batch(
        "customers",
        [{**item, "first_seen_at": "2019-01-01T00:00:00Z"}],
        partial=False,
        source="api",
    )
    assert seen(c).year == 2019


def test_the_batch_api_refuses_a_naive_or_absurd_time() -> None:
    item = {"identities": [{"type": "phone", "value": "13900001112"}]}
    for bad in ("2021-05-01T10:00:00", "1890-01-01T00:00:00Z", "soon"):
        result = apply_batch(
            "customers", [{**item, "first_seen_at": bad}], partial=False, source="api"
        )
        assert [e.field for e in result.errors] == ["first_seen_at"]


def test_the_csv_column_sets_it_in_the_brand_zone(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    text = "phone,display_name,first_seen_at\n13900002222,老客,2019-04-02 09:30\n"
    job = start_import("customers", "f.csv", text.encode(), skip_invalid=False, user=None)
    run_import_job(job.pk)
    c = Customer.objects.get(display_name="老客")
    assert seen(c) == at(2019, 4, 2, 9).replace(minute=30)


def test_a_merge_keeps_the_earliest() -> None:
    old = make_customer("u-old")
    young = make_customer("u-young")
    buy(young, "Y1", at(2020, 1, 1))
    survivor = Customer.objects.get(pk=old.pk)
    merged = Customer.objects.get(pk=young.pk)
    merge_customers(survivor, merged, reason="test")
    assert seen(survivor) == at(2020, 1, 1)


def test_the_migration_backfills_from_creation_first_order_and_first_event() -> None:
    a = upsert_customer(
        [IdentityInput("wechat_unionid", "m1")], fields={}, source="t", at=at(2025, 1, 1)
    )
    b = upsert_customer(
        [IdentityInput("wechat_unionid", "m2")], fields={}, source="t", at=at(2025, 1, 1)
    )
    d = upsert_customer(
        [IdentityInput("wechat_unionid", "m3")], fields={}, source="t", at=at(2025, 1, 1)
    )
    buy(a, "M1", at(2023, 3, 3))
    record_event(b, type="visit", occurred_at=at(2022, 2, 2), idempotency_key="m-ev")
    buy(b, "M2", at(2024, 4, 4))
    Customer.objects.update(first_seen_at=None)
    migration = importlib.import_module("siyu.customers.migrations.0002_customer_first_seen_at")
    migration.backfill_first_seen_at(apps, None)
    assert (seen(a), seen(b), seen(d)) == (at(2023, 3, 3), at(2022, 2, 2), at(2025, 1, 1))


def test_many_at_once_moves_each_customer_to_its_own_earlier_time_only() -> None:
    from siyu.customers.acquisition import NOTE_BATCH, note_seen_many

    people = [
        upsert_customer(
            [IdentityInput("wechat_unionid", f"u-many-{n}")], fields={}, source="t",
            at=at(2025, 6, 1),
        )
        for n in range(3)
    ]  # fmt: skip
    Customer.objects.filter(pk=people[2].pk).update(first_seen_at=None)
    note_seen_many(
        {people[0].pk: at(2024, 1, 5), people[1].pk: at(2025, 9, 1), people[2].pk: at(2024, 2, 1)}
    )
    assert [seen(c) for c in people] == [at(2024, 1, 5), at(2025, 6, 1), at(2024, 2, 1)]
    # More customers than one statement takes: every batch is written.
    more = [make_customer(f"u-more-{n}") for n in range(NOTE_BATCH + 3)]
    note_seen_many({c.pk: at(2023, 1, 1 + n % 28) for n, c in enumerate(more)})
    assert [seen(c) for c in more] == [at(2023, 1, 1 + n % 28) for n in range(len(more))]
