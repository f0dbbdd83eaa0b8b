"""The per-customer order facts (``CustomerFacts``): kept from the change feed, filled once.

A row is recomputed from the customer's orders whenever the feed says they may have
changed (an order, a refund, a merge or unmerge moving orders between profiles), by one
statement per chunk of customers that the database runs itself (window functions, no
rows through Python), so an update is exact by construction and idempotent: the feed's
at-least-once delivery recomputes the same row again. Rows are upserted (``ON CONFLICT``),
so a full fill and the feed consumer recomputing the same customer at once both succeed
(tests/test_facts_parallel.py); a row written from orders read before a later order
committed is recomputed again when the feed hands out that order's change. The first fill walks the customers
by id range with the same statement. Until it has finished (``facts_ready``) readers use
the ORM over orders.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from siyu.customers.changes import Change
from siyu.customers.models import ChangeKind, Order
from siyu.customers.retry import pause_for_other_writers
from siyu.segments.models import CustomerFacts, FactsState

# Changes that can alter a customer's orders.
KINDS = frozenset({ChangeKind.ORDER, ChangeKind.REFUND, ChangeKind.MERGE})
CHUNK = 2000  # customers per statement of an update
FILL_SPAN = 20_000  # customer ids per transaction of the first fill
NTH = (2, 3, 4, 5)

# ``{where}`` restricts the orders read (and so the customers recomputed).
_COMPUTE = """
INSERT INTO {facts} (customer_id, orders, net_fen, first_paid_at, last_paid_at,
                     prev_paid_at, paid_at_2, paid_at_3, paid_at_4, paid_at_5)
SELECT customer_id, COUNT(*), SUM(net), MIN(paid_at), MAX(paid_at),
       MAX(CASE WHEN paid_at < last_paid THEN paid_at END),
       {nth}
FROM (
  SELECT customer_id, paid_at, paid_fen - refunded_fen AS net,
         ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY paid_at DESC) AS rn,
         MAX(paid_at) OVER (PARTITION BY customer_id) AS last_paid
  FROM {orders} WHERE {where}
) ranked
GROUP BY customer_id
ON CONFLICT (customer_id) DO UPDATE SET
  orders = excluded.orders, net_fen = excluded.net_fen,
  first_paid_at = excluded.first_paid_at, last_paid_at = excluded.last_paid_at,
  prev_paid_at = excluded.prev_paid_at, paid_at_2 = excluded.paid_at_2,
  paid_at_3 = excluded.paid_at_3, paid_at_4 = excluded.paid_at_4, paid_at_5 = excluded.paid_at_5
"""
# Rows of customers left without orders (all moved away by a merge).
_PRUNE = """
DELETE FROM {facts} WHERE {where} AND NOT EXISTS (
  SELECT 1 FROM {orders} o WHERE o.customer_id = {facts}.customer_id)
"""


def _prune_sql(where: str) -> str:
    return _PRUNE.format(
        facts=CustomerFacts._meta.db_table, orders=Order._meta.db_table, where=where
    )


def _compute_sql(where: str) -> str:
    nth = ", ".join(f"MAX(CASE WHEN rn = {k} THEN paid_at END)" for k in NTH)
    return _COMPUTE.format(
        facts=CustomerFacts._meta.db_table, orders=Order._meta.db_table, where=where, nth=nth
    )


def facts_ready() -> bool:
    return FactsState.objects.filter(key="default", filled_at__isnull=False).exists()


def customers_with_order_changes(changes: Sequence[Change]) -> set[int]:
    return {c.customer_id for c in changes if c.kind in KINDS}


def recompute_facts(customer_ids: Iterable[int]) -> int:
    """Recompute these customers' rows from their orders; returns how many customers."""
    ids = sorted(set(customer_ids))
    for start in range(0, len(ids), CHUNK):
        if start:
            pause_for_other_writers()
        chunk = ids[start : start + CHUNK]
        marks = ", ".join(["%s"] * len(chunk))
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(_prune_sql(f"customer_id IN ({marks})"), chunk)
            cur.execute(_compute_sql(f"customer_id IN ({marks})"), chunk)
    return len(ids)


def fill_facts() -> int:
    """The first fill (or a full rebuild): every customer with orders, a span of customer
    ids per transaction. Returns the number of rows written."""
    top = Order.objects.aggregate(top=Max("customer_id"))["top"] or 0
    for low in range(0, top + 1, FILL_SPAN):
        if low:
            pause_for_other_writers()
        with transaction.atomic(), connection.cursor() as cur:
            span = [low, low + FILL_SPAN]
            cur.execute(_prune_sql("customer_id >= %s AND customer_id < %s"), span)
            cur.execute(_compute_sql("customer_id >= %s AND customer_id < %s"), span)
    FactsState.objects.update_or_create(key="default", defaults={"filled_at": timezone.now()})
    return CustomerFacts.objects.count()


def handle_changes(changes: Sequence[Change]) -> None:
    """The feed's part for facts: fill once, then recompute whoever's orders changed.
    Runs before membership is refreshed, so rules read facts that include the batch."""
    if not facts_ready():
        fill_facts()
        return
    recompute_facts(customers_with_order_changes(changes))
