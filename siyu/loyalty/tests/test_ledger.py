"""The ledger's write paths: buckets, earliest-expiry spends, idempotency, the database's
guard against a negative balance."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum

from siyu.loyalty.expire import activate_points, expire_points
from siyu.loyalty.ledger import (
    InsufficientPoints,
    balance,
    pending,
    restore_spend,
    spend_points,
)
from siyu.loyalty.models import BucketStatus, EntryKind, LedgerEntry, PointsBucket
from siyu.loyalty.tests.factories import T0, give, make_person

pytestmark = pytest.mark.django_db


def test_an_award_is_a_bucket_and_a_second_award_of_the_same_source_changes_nothing() -> None:
    lei = make_person()
    first = give(lei, 100, source_id="order-1")
    again = give(lei, 100, source_id="order-1")
    assert first.pk == again.pk
    assert balance(lei.pk, T0) == 100
    assert LedgerEntry.objects.filter(customer=lei, kind=EntryKind.EARN).count() == 1


def test_spends_take_the_earliest_expiring_points_first() -> None:
    lei = make_person()
    late = give(lei, 50, days=300)
    soon = give(lei, 30, days=10)
    spend_points(lei.pk, 40, key="s1", at=T0)
    soon.refresh_from_db()
    late.refresh_from_db()
    assert (soon.remaining, late.remaining) == (0, 40)
    assert balance(lei.pk, T0) == 40


def test_a_spend_beyond_the_balance_is_refused_and_takes_nothing() -> None:
    lei = make_person()
    give(lei, 30)
    with pytest.raises(InsufficientPoints):
        spend_points(lei.pk, 31, key="too-much", at=T0)
    assert balance(lei.pk, T0) == 30
    assert not LedgerEntry.objects.filter(key="too-much").exists()


def test_a_spend_is_idempotent_per_key() -> None:
    lei = make_person()
    give(lei, 100)
    first = spend_points(lei.pk, 60, key="redeem:1", at=T0)
    again = spend_points(lei.pk, 60, key="redeem:1", at=T0)
    assert first.pk == again.pk
    assert balance(lei.pk, T0) == 40


def test_the_database_refuses_a_negative_bucket() -> None:
    lei = make_person()
    bucket = give(lei, 10)
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsBucket.objects.filter(pk=bucket.pk).update(remaining=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsBucket.objects.filter(pk=bucket.pk).update(remaining=11)


def test_pending_points_are_not_spendable_until_activated() -> None:
    lei = make_person()
    give(lei, 80, pending=7)
    assert (balance(lei.pk, T0), pending(lei.pk)) == (0, 80)
    with pytest.raises(InsufficientPoints):
        spend_points(lei.pk, 1, key="early", at=T0)
    assert activate_points(T0 + timedelta(days=6)) == 0
    assert activate_points(T0 + timedelta(days=7)) == 1
    assert balance(lei.pk, T0 + timedelta(days=7)) == 80


def test_expiry_takes_what_is_left_once() -> None:
    lei = make_person()
    give(lei, 50, days=30)
    spend_points(lei.pk, 20, key="s", at=T0)
    later = T0 + timedelta(days=31)
    assert expire_points(later) == 1
    assert expire_points(later) == 0
    expired = LedgerEntry.objects.filter(customer=lei, kind=EntryKind.EXPIRE)
    assert list(expired.values_list("points", flat=True)) == [-30]
    assert balance(lei.pk, later) == 0
    assert PointsBucket.objects.get(customer=lei).status == BucketStatus.EXPIRED


def test_a_restored_spend_returns_points_to_its_buckets_once() -> None:
    lei = make_person()
    give(lei, 100)
    spend_points(lei.pk, 70, key="redeem:9", at=T0)
    restore_spend("redeem:9", restore_key="cancel:9")
    restore_spend("redeem:9", restore_key="cancel:9")
    assert balance(lei.pk, T0) == 100


def test_entries_add_up_to_the_live_buckets() -> None:
    lei = make_person()
    give(lei, 100)
    give(lei, 40, pending=3)
    spend_points(lei.pk, 30, key="x", at=T0)
    total = LedgerEntry.objects.filter(customer=lei).aggregate(n=Sum("points"))["n"]
    assert total == balance(lei.pk, T0) + pending(lei.pk) == 110
