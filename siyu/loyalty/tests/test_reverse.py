"""Refunds take back the points of what was refunded, in proportion, exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from siyu.loyalty.ledger import balance, pending, spend_points
from siyu.loyalty.models import BucketStatus, LedgerEntry
from siyu.loyalty.reverse import kept_points, reverse_for_refund
from siyu.loyalty.tests.factories import T0, give, make_person

pytestmark = pytest.mark.django_db


def test_kept_points_are_proportional_and_a_full_refund_keeps_none() -> None:
    assert kept_points(100, 20000, 5000) == 75
    assert kept_points(100, 20000, 20000) == 0
    assert kept_points(7, 300, 100) == 4  # rounded down: the customer never keeps more


def test_partial_refunds_add_up_to_the_full_reversal_and_repeat_harmlessly() -> None:
    lei = make_person()
    bucket = give(lei, 100, source="order", source_id="42", basis_fen=20000, pending=7)
    assert reverse_for_refund("order", "42", 5000) == 25
    assert reverse_for_refund("order", "42", 5000) == 0  # the same refund seen twice
    assert pending(lei.pk) == 75
    assert reverse_for_refund("order", "42", 20000) == 75
    bucket.refresh_from_db()
    assert (bucket.remaining, bucket.reversed, bucket.status) == (0, 100, BucketStatus.CANCELLED)


def test_spent_points_are_taken_from_other_buckets_and_the_rest_recorded() -> None:
    lei = make_person()
    give(lei, 100, source="order", source_id="7", basis_fen=10000)
    give(lei, 30)
    spend_points(lei.pk, 120, key="mall", at=T0)  # 100 of the order, 20 of the other
    taken = reverse_for_refund("order", "7", 10000, at=T0 + timedelta(days=1))
    assert taken == 10  # all that is left
    assert balance(lei.pk, T0) == 0
    entry = LedgerEntry.objects.get(customer=lei, kind="reverse")
    assert (entry.points, entry.unrecovered) == (-10, 90)
