"""Merging two profiles combines their ledgers; unmerge gives each its own buckets back."""

from __future__ import annotations

import pytest

from siyu.customers.merge import merge_customers, unmerge
from siyu.loyalty.ledger import balance, spend_points
from siyu.loyalty.models import PointsBucket
from siyu.loyalty.tests.factories import T0, give, make_person

pytestmark = pytest.mark.django_db


def test_a_merge_adds_the_balances_and_unmerge_restores_them() -> None:
    tmall, wecom = make_person("赵蕾 tmall"), make_person("赵蕾 wecom")
    give(tmall, 120, source_id="o1")
    give(wecom, 80, source_id="o2")
    record = merge_customers(wecom, tmall, reason="same phone")
    assert balance(wecom.pk, T0) == 200
    assert balance(tmall.pk, T0) == 0
    # The award stays idempotent across the merge: the same source does not pay twice.
    give(wecom, 120, source_id="o1")
    assert balance(wecom.pk, T0) == 200
    unmerge(record)
    assert (balance(tmall.pk, T0), balance(wecom.pk, T0)) == (120, 80)


def test_points_spent_after_a_merge_stay_spent_after_unmerge() -> None:
    tmall, wecom = make_person(), make_person()
    give(tmall, 100, days=10)
    give(wecom, 100, days=300)
    record = merge_customers(wecom, tmall, reason="same phone")
    spend_points(wecom.pk, 150, key="spent", at=T0)
    unmerge(record)
    total = balance(tmall.pk, T0) + balance(wecom.pk, T0)
    assert total == 50
    assert PointsBucket.objects.get(customer=tmall).remaining == 0
