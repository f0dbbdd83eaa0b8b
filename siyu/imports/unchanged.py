"""Order rows identical to what is stored, recognised before any schema check.

A re-run of the same file (or a file that overlaps an earlier one) is mostly rows that
change nothing. Checking their schema and rules proves nothing new: their content is
exactly what is stored, which passed the same checks when it was written. So the check
pass sets them apart (``split_unchanged``) and validates only the others, and the write
pass compares them again inside the chunk's transaction (the database of that moment):
those still identical count as *unchanged*, any other goes through the schema and the
verbs like every row. Customer rows are not set apart: their plain check
(``plain_profiles``) costs less than comparing them with the stored profile, which the
write does anyway (``bulk.write_profiles``), so setting them apart compared each twice.

A row qualifies only when the comparison is certain: every identifier of it is stored
and linked on one live profile (``bulk_identities.known_customers``), its order equals the stored one field by field as the write would compare them,
and no other row of its chunk touches the same profile or order (rows of a chunk are
written in file order; a later row must see an earlier one's change). Anything else,
including every column this module does not compare, is left to the full path.

The check pass leaves the lines out of its comparison: reading every stored line was a
fifth of a re-run, done again by the write. An order that differs from the stored one in
its lines only, each of them plainly valid (``plain_lines.is_plain``), is as clean as the
stored order: the write compares it with its lines, finds it changed and checks and writes
it like any other (a conflict, or a correction in update mode).

Most orders of a file arrive lazy (``lazy_orders``): their lines not yet parsed, with the
digest of their rows. The check pass sets such an order apart when the stored order
still carries that digest (its rows are those the order was created from, which passed
every check then); the write pass when, besides, its buyer, head and refunds equal the
stored ones. Neither reads or compares its lines. Every other lazy order is expanded
(parsed in full) here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

from siyu.customers.identity_rules import IdentityInput, StoredKey
from siyu.imports.bulk_identities import Key, key_for, key_of, known_customers
from siyu.imports.lazy_orders import compact, expand_all
from siyu.imports.plain_lines import is_plain
from siyu.imports.rows import ParsedItem, RowError
from siyu.imports.stored_rows import LINE_KEY, stored_digests, stored_orders

MAX_IDENTITY_VALUE = 256  # IdentityItem.value
LINE_FIELDS = itemgetter(*LINE_KEY)


def split_unchanged(
    kind: str, items: Sequence[ParsedItem], *, lines: bool = True
) -> tuple[list[ParsedItem], list[ParsedItem], list[RowError]]:
    """(items identical to what is stored, the others, the row errors of the others),
    each in file order; orders only. Not ``lines`` (the check pass): an item identical
    but for its lines, which are each plainly valid, counts as identical, and so does a
    lazy item whose rows are those a stored order was created from (see the module's
    note). A lazy item (``lazy_orders``) set apart stays lazy; the others are expanded,
    which may find row errors."""
    if not items or kind != "orders":
        return [], list(items), []
    same = [False] * len(items)
    if not lines:
        # The check pass asks only whether an order needs checking: rows identical to
        # those a stored order was created from passed every check then. Whether it is
        # unchanged (its buyer, its head) is the write pass's question, asked anyway.
        # A lazy order not vouched for is new or has other rows: checked, not compared
        # (comparing is the write's work; here it cost the lookups of a first import).
        same = _vouched(items)
    others = [n for n, i in enumerate(items) if not same[n] and (lines or i.source is None)]
    for n, is_same in zip(others, _compared([items[n] for n in others], lines), strict=True):
        same[n] = is_same
    rest, errors = expand_all(i for n, i in enumerate(items) if not same[n])
    kept = [i for n, i in enumerate(items) if same[n]]
    for item in kept:
        compact(item)
    return kept, rest, errors


def _vouched(items: Sequence[ParsedItem]) -> list[bool]:
    """Per item: a lazy order whose stored order still carries its rows' digest."""
    keys = [_order_key(i) for i in items]
    lazy = [k for k, i in zip(keys, items, strict=True) if i.source is not None]
    digests = stored_digests(lazy) if lazy else {}
    return [
        i.source is not None and "store" not in i.raw and digests.get(k) == i.digest
        for k, i in zip(keys, items, strict=True)
    ]


def _order_key(item: ParsedItem) -> tuple[str, str]:
    return (str(item.raw.get("platform")), str(item.raw.get("order_no")))


def _compared(items: Sequence[ParsedItem], lines: bool) -> list[bool]:
    """Per item: identical to the stored order, compared field by field."""
    if not items:
        return []
    found = [_keys(item) for item in items]
    keys = [ks for ks, _plain in found]
    customers, owners = known_customers(keys)
    touched = Counter(owners[key_of(k)] for ks in keys for k in ks if key_of(k) in owners)
    # A row whose profile another row of the chunk also names is left to the full path.
    alone = [
        plain and c is not None and touched[c] == len(ks)
        for c, (ks, plain) in zip(customers, found, strict=True)
    ]
    return _same_orders(items, customers, alone, lines)


def _keys(item: ParsedItem) -> tuple[list[StoredKey], bool]:
    """The row's stored identifier keys, and whether every identifier of it is plainly
    valid (none malformed, a placeholder or namespaced)."""
    found: dict[Key, StoredKey] = {}
    plain = True
    for identity in item.raw.get("identities", []):
        value = identity["value"]
        k = None
        if len(value) <= MAX_IDENTITY_VALUE and not identity.get("namespace"):
            try:
                k = key_for(IdentityInput(identity["type"], value))
            except ValueError:
                k = None
        if k is None:
            plain = False
        else:
            found.setdefault(key_of(k), k)
    return list(found.values()), plain and bool(found)


def _moment(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None


def _same_orders(
    items: Sequence[ParsedItem], customers: list[int | None], alone: list[bool], lines: bool
) -> list[bool]:
    order_keys = [_order_key(i) for i in items]
    repeated = Counter(order_keys)
    wanted = [k for n, k in enumerate(order_keys) if alone[n] and repeated[k] == 1]
    lazy = {order_keys[n] for n, i in enumerate(items) if i.source is not None}
    # A lazy order's lines are vouched for by its digest: neither read nor compared.
    stored = stored_orders([k for k in wanted if k not in lazy], lines=lines) if wanted else {}
    stored |= stored_orders([k for k in wanted if k in lazy], lines=False) if lazy else {}
    digests = stored_digests([k for k in wanted if k in lazy]) if lazy else {}
    same: list[bool] = []
    for n, item in enumerate(items):
        key = order_keys[n]
        known = stored.get(key) if alone[n] and repeated[key] == 1 else None
        if known is None:
            same.append(False)
        elif item.source is not None:
            digest = digests.get(key)
            same.append(digest == item.digest and _head_equal(item.raw, known, customers[n]))
        else:
            same.append(_order_equal(item.raw, known, customers[n], lines))
    return same


def _same_lines(given: list[Any], stored: list[Any]) -> bool:
    """The same lines in any order. Stored lines usually come back in the order they were
    written, the file's: equal as they stand, no sorting needed (sorting both was a
    twentieth of a re-run)."""
    return given == stored or sorted(given) == sorted(stored)


def _order_equal(raw: dict[str, Any], known: Any, customer: int | None, lines: bool) -> bool:
    if not raw["lines"] or not _head_equal(raw, known, customer):
        return False
    if not lines:
        return all(map(is_plain, raw["lines"]))
    return _same_lines(list(map(LINE_FIELDS, raw["lines"])), known.lines)


def _head_equal(raw: dict[str, Any], known: Any, customer: int | None) -> bool:
    """The order's head and refunds equal the stored ones (its lines aside)."""
    order = known.order
    if "store" in raw or order.store_id is not None:
        return False
    if (order.customer_id, order.total_fen, order.paid_fen) != (
        customer,
        raw["total_fen"],
        raw["paid_fen"],
    ):
        return False
    if _moment(raw["paid_at"]) != order.paid_at:
        return False
    for refund in raw["refunds"]:
        at = _moment(refund["refunded_at"])
        if known.refunds.get(refund["refund_no"]) != (refund["amount_fen"], at):
            return False
    return True
