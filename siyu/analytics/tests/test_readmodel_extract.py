"""The read model's rows are the same whichever way they leave the database: SQLite
straight into Arrow (ADBC, outside a transaction) or through Django's cursor."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection, transaction

from siyu.analytics.readmodel.extract import extract
from siyu.analytics.tests.factories import customer, event, order

pytestmark = pytest.mark.django_db(transaction=True)


def test_adbc_and_the_cursor_give_the_same_rows() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("ADBC is the SQLite path; PostgreSQL reads through the cursor")
    a = customer("a", date(2025, 1, 10), channel="抖音", wecom=True)
    b = customer("b", date(2025, 2, 1))
    order(a, date(2025, 2, 5), 100, refund_yuan=30)
    order(b, date(2025, 3, 1), 50)
    event(a, "message_sent", date(2025, 2, 6))
    fast = extract()
    with transaction.atomic():
        assert connection.in_atomic_block
        slow = extract()
    for table, rows in fast.items():
        assert rows.num_rows > 0
        assert rows.to_pylist() == slow[table].to_pylist(), table
