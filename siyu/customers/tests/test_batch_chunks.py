"""Batch writes commit in chunks, so a long batch never holds SQLite's write lock for its
whole length; what a refusal late in an all-or-nothing batch leaves behind."""

from __future__ import annotations

from typing import Any

import pytest

from siyu.customers import batch
from siyu.customers.batch import apply_batch
from siyu.customers.models import Order
from siyu.customers.tests.test_batch import order
from siyu.demo.brand import Brand

REFUND = {"refund_no": "R9", "amount_fen": 4000, "refunded_at": "2025-03-02T00:00:00Z"}


def test_a_refusal_in_a_later_chunk_keeps_the_chunks_before_it(
    brand: Brand, monkeypatch: Any
) -> None:
    apply_batch("orders", [order("A1", paid_fen=1000, total_fen=1000)], partial=False, source="t")
    monkeypatch.setattr(batch, "WRITE_CHUNK", 2)
    # Item 3 passes its own checks but the verb refuses it against the stored order.
    items = [order("B1"), order("B2"), order("B3"), order("A1", refunds=[REFUND]), order("B5")]
    result = apply_batch("orders", items, partial=False, source="test")
    assert [r.index for r in result.applied] == [0, 1]
    assert result.rejected == [3]
    # B3 shared the refused item's chunk and B5 came after it: neither was written.
    assert set(Order.objects.values_list("order_no", flat=True)) == {"A1", "B1", "B2"}


def test_partial_batches_go_on_after_a_refusal_in_any_chunk(brand: Brand, monkeypatch: Any) -> None:
    apply_batch("orders", [order("A1", paid_fen=1000, total_fen=1000)], partial=False, source="t")
    monkeypatch.setattr(batch, "WRITE_CHUNK", 2)
    items = [order("B1"), order("A1", refunds=[REFUND]), order("B3"), order("B4"), order("B5")]
    result = apply_batch("orders", items, partial=True, source="test")
    assert [r.index for r in result.applied] == [0, 2, 3, 4]
    assert result.rejected == [1]


@pytest.mark.django_db(transaction=True)
def test_every_chunk_is_its_own_transaction(brand: Brand, monkeypatch: Any) -> None:
    from django.db import connection

    commits: list[str] = []
    monkeypatch.setattr(batch, "WRITE_CHUNK", 2)
    real_commit = connection.commit

    def counting_commit() -> None:
        commits.append("commit")
        real_commit()

    monkeypatch.setattr(connection, "commit", counting_commit)
    result = apply_batch("orders", [order(f"C{i}") for i in range(5)], partial=False, source="t")
    assert result.ok
    assert len(commits) == 3  # 2 + 2 + 1 items
