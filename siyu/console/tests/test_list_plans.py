"""The customer list's first page and its name search are read from an index on both
databases, not by sorting or scanning every customer (at 1M customers on PostgreSQL the
newest-first page took 276 ms and a name search 59 ms before these plans)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import F, QuerySet

from siyu.console.queries import name_prefix
from siyu.customers.models import Customer

pytestmark = pytest.mark.django_db


def plan(qs: QuerySet[Customer, Any]) -> str:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A test database is tiny: without these the planner rightly scans it whole, or
            # (once an earlier test's import analysed the table at a row or two) reads it
            # by another index and sorts. A Sort stays in the plan when no index gives the
            # order, which is what the test looks for.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())


def test_the_newest_first_page_reads_the_acquisition_index_backwards() -> None:
    """The list's order (``list_order.sorted_customer_page``): acquisition time descending,
    unknown times last, then id descending."""
    page = Customer.objects.filter(status="active").order_by(
        F("first_seen_at").desc(nulls_last=True), "-pk"
    )[:51]
    found = plan(page)
    assert "cust_status_first_seen" in found, found
    assert "Sort" not in found, found  # PostgreSQL
    assert "TEMP B-TREE" not in found, found  # SQLite


def test_a_name_search_reads_the_name_index() -> None:
    found = plan(Customer.objects.filter(name_prefix("张")).values("pk")[:2001])
    if connection.vendor == "postgresql":  # LIKE 'prefix%' as an index range
        assert "Index Cond" in found, found
        assert "cust_display_name_like" in found, found
    else:  # the binary range of name_prefix
        assert "cust_display_name (display_name>? AND display_name<?)" in found, found
