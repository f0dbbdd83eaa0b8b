"""The stored rows an import compares its items with, read by plain SQL in batches.

A re-run compares every profile and order of its file with what is stored and changes
almost none: the ORM's query for a chunk's orders cost 14 us an order, twice per re-run,
and compiling its query of 900 customer ids a twentieth of a customer re-run (its
compilation and model machinery were most of it). Here each value still goes through the
converters the ORM applies (SQLite keeps times as text), so the values and their types are
the ORM's; tests compare them on both databases.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connection, models

from siyu.customers.models import Customer, Order, OrderLine, Refund
from siyu.customers.orders import OrderHead, StoredHead

# The fields of ``orders.line_key``, in its order.
LINE_KEY = ("sku", "product_name", "category", "quantity", "unit_price_fen", "paid_fen")
# The columns ``stored_orders`` reads, after the IN column: the order's id and number, then
# its head; a refund's number, amount and time.
_READ = {
    Order: ("id", "order_no", *OrderHead._fields),
    Refund: ("order", "refund_no", "amount_fen", "refunded_at"),
}


def stored_profiles(ids: set[int], names: list[str]) -> dict[int, dict[str, Any]]:
    """The stored values of ``names`` per known profile: plain values, not model
    instances."""
    rows = _select(Customer, ["id", *names], [], [], "id", ids)
    return {row[0]: dict(zip(names, row[1:], strict=True)) for row in rows}


def stored_orders(
    keys: Iterable[tuple[str, str]], *, lines: bool = True
) -> dict[tuple[str, str], StoredHead]:
    """The stored orders of these (platform, order_no), with their refunds and (unless
    not ``lines``) their lines."""
    rows: dict[tuple[str, str], tuple[int, OrderHead]] = {}
    for platform, numbers in _by_platform(keys):  # the (platform, order_no) index
        found = _select(Order, _READ[Order], ["platform"], [platform], "order_no", numbers)
        for pk, no, *head in found:
            rows[(platform, no)] = (pk, OrderHead(*head))
    stored_lines: dict[int, list[Any]] = {pk: [] for pk, _head in rows.values()}
    refunds: dict[int, dict[str, Any]] = {pk: {} for pk, _head in rows.values()}
    if rows and lines:
        # The fields are plain text and integers: nothing to convert.
        for order_id, *key in _stored_lines(sorted(stored_lines)):
            stored_lines[order_id].append(tuple(key))
    if rows:
        found = _select(Refund, _READ[Refund], [], [], "order", stored_lines)
        for order_id, refund_no, amount, at in found:
            refunds[order_id][refund_no] = (amount, at)
    return {k: StoredHead(head, stored_lines[pk], refunds[pk]) for k, (pk, head) in rows.items()}


def stored_digests(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The import digest of each of these (platform, order_no) that has one still true:
    the order is as the import created it (``lazy_orders``)."""
    sql = (
        f"SELECT order_no, import_digest FROM {Order._meta.db_table}"  # noqa: S608
        " WHERE platform = %s AND import_digest IS NOT NULL AND updated_at = created_at"
        " AND order_no IN"
    )
    found: dict[tuple[str, str], str] = {}
    for platform, numbers in _by_platform(keys):
        for order_no, digest in _batched(sql, [platform], numbers):
            found[(platform, order_no)] = digest
    return found


def _by_platform(keys: Iterable[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    wanted: dict[str, set[str]] = {}
    for platform, order_no in keys:
        wanted.setdefault(platform, set()).add(order_no)
    return [(platform, sorted(numbers)) for platform, numbers in sorted(wanted.items())]


def _select(
    model: type[models.Model],
    names: Iterable[str],
    equal: list[str],
    params: list[Any],
    within: str,
    values: Iterable[Any],
) -> list[list[Any]]:
    """``model``'s ``names`` where ``equal`` = ``params`` and ``within`` is in
    ``values``, each value through the converters the ORM applies."""
    meta = model._meta
    by_name = {n: f for f in meta.concrete_fields for n in (f.name, f.attname)}
    quote = connection.ops.quote_name
    fields = [by_name[name] for name in names]
    columns = ", ".join(quote(f.column) for f in fields)
    where = " AND ".join(
        [f"{quote(by_name[n].column)} = %s" for n in equal]
        + [f"{quote(by_name[within].column)} IN "]
    )
    converters = []
    for n, field in enumerate(fields):
        col = field.get_col(meta.db_table)
        found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if found:
            converters.append((n, found, col))
    rows: list[list[Any]] = []
    sql = f"SELECT {columns} FROM {meta.db_table} WHERE {where}"  # noqa: S608 - quoted names
    for found_row in _batched(sql, params, sorted(values)):
        row = list(found_row)
        for n, functions, col in converters:
            for convert in functions:
                row[n] = convert(row[n], col, connection)
        rows.append(row)
    return rows


def _batched(sql: str, params: list[Any], values: list[Any]) -> Iterator[tuple[Any, ...]]:
    """The rows of ``sql`` (ending in ``… IN``) for ``values``, 900 at a time (SQLite's
    bound-parameter limit, with room for ``params``)."""
    with connection.cursor() as cur:
        for start in range(0, len(values), 900):
            batch = values[start : start + 900]
            cur.execute(f"{sql} ({', '.join(['%s'] * len(batch))})", [*params, *batch])
            yield from cur.fetchall()


def _stored_lines(order_ids: list[int]) -> list[tuple[Any, ...]]:
    meta = OrderLine._meta
    column = {f.name: f.column for f in meta.concrete_fields}
    columns = ", ".join(column[f] for f in ("order", *LINE_KEY))
    sql = f"SELECT {columns} FROM {meta.db_table} WHERE order_id IN"  # noqa: S608 - model names
    return list(_batched(sql, [], order_ids))
