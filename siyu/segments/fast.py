"""Rule tree → ``Q`` over Customer reading the order facts (``CustomerFacts``) instead of
aggregating orders per customer: the product path at a million customers.

Order conditions become "this customer has a facts row with …" (``pk IN (SELECT
customer_id FROM facts WHERE …)``): one scan of the facts table per set of conditions,
where the reference compiler (compiler.py) runs a correlated aggregate per customer. The
order conditions under one AND share a single such subquery (a customer has at most one
row). A condition whose test holds for a customer without orders (``frequency < 3``) is
written as "has no row failing it". Windowed counts use the k-th latest order time:
"at least k orders since t" is "the k-th latest order is paid at or after t", exact for
k ≤ 5. What the facts cannot answer exactly (windowed spend, counts above 5) keeps the
reference compiler's condition, so both compilers always select the same customers
(tests/test_fast.py compares them on random data).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import reduce
from typing import Any

from django.db.models import Q, QuerySet

from siyu.customers.models import Customer, CustomerStatus, CustomerTag
from siyu.segments.compiler import compile_leaf
from siyu.segments.models import CustomerFacts
from siyu.segments.rules import AndNode, Node, NotNode, OrdersCond, OrNode, TagsCond

# (holds for a customer with a row matching q, q over CustomerFacts); False: holds for a
# customer without a row failing it.
FactsTest = tuple[bool, Q]
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "=": operator.eq,
    "!=": operator.ne,
}
_LOOKUPS = {">=": "gte", ">": "gt", "<=": "lte", "<": "lt", "=": "exact"}
NTH_COLUMNS = {1: "last_paid_at", 2: "paid_at_2", 3: "paid_at_3", 4: "paid_at_4", 5: "paid_at_5"}


def matching_fast(
    node: Node, now: datetime, base: QuerySet[Customer] | None = None
) -> QuerySet[Customer]:
    """Active customers matching the rule, read from the facts (see the module doc)."""
    qs = base if base is not None else Customer.objects.all()
    return qs.filter(status=CustomerStatus.ACTIVE).filter(compile_fast(node, now))


def compile_fast(node: Node, now: datetime) -> Q:
    if isinstance(node, AndNode):
        return _and(node, now)
    if isinstance(node, OrNode):
        return reduce(operator.or_, [compile_fast(child, now) for child in node.rules])
    if isinstance(node, NotNode):
        return ~compile_fast(node.rule, now)
    if isinstance(node, TagsCond):
        return _tags(node)
    test = facts_test(node, now) if isinstance(node, OrdersCond) else None
    return _from_test(test) if test is not None else compile_leaf(node, now)


def _and(node: AndNode, now: datetime) -> Q:
    q, together = Q(), []
    for child in node.rules:
        test = facts_test(child, now) if isinstance(child, OrdersCond) else None
        if test is not None and test[0]:
            together.append(test[1])
        else:
            q &= compile_fast(child, now)
    if together:
        q &= _from_test((True, reduce(operator.and_, together)))
    return q


def _from_test(test: FactsTest) -> Q:
    has_row, q = test
    rows = Q(pk__in=CustomerFacts.objects.filter(q).values("customer_id"))
    return rows if has_row else ~rows


def _tags(leaf: TagsCond) -> Q:
    def has(ids: list[int]) -> Q:
        return Q(pk__in=CustomerTag.objects.filter(tag_id__in=ids).values("customer_id"))

    if leaf.mode == "any":
        return has(list(leaf.tag_ids))
    if leaf.mode == "none":
        return ~has(list(leaf.tag_ids))
    return reduce(operator.and_, [has([t]) for t in sorted(set(leaf.tag_ids))])


def facts_test(leaf: OrdersCond, now: datetime) -> FactsTest | None:
    """The condition as a test on facts rows, or None when the facts cannot answer it."""
    if leaf.metric == "recency_days":
        cutoff = now - timedelta(days=leaf.value)
        # Days since the last order ≤ N ⇔ the last order is at or after now − N days.
        flipped = {"<=": "gte", "<": "gt", ">=": "lte", ">": "lt"}[leaf.op]
        return True, Q(**{f"last_paid_at__{flipped}": cutoff})
    if leaf.window_days is None:
        column = "orders" if leaf.metric == "frequency" else "net_fen"
        return _compare(column, leaf.op, leaf.value)
    if leaf.metric == "frequency":
        return _windowed_count(leaf.op, leaf.value, now - timedelta(days=leaf.window_days))
    return None


def _compare(column: str, op: str, value: int) -> FactsTest:
    test = ~Q(**{column: value}) if op == "!=" else Q(**{f"{column}__{_LOOKUPS[op]}": value})
    # A customer without orders has 0: if 0 passes, "no row failing the test".
    return (False, ~test) if _OPS[op](0, value) else (True, test)


def _windowed_count(op: str, value: int, since: datetime) -> FactsTest | None:
    def at_least(k: int) -> Q:
        return Q(**{f"{NTH_COLUMNS[k]}__gte": since})

    def exactly(k: int) -> Q:
        return at_least(k) & ~at_least(k + 1)

    shapes: dict[str, Callable[[], FactsTest | None]] = {
        ">=": lambda: (True, at_least(value)) if 1 <= value <= 5 else None,
        ">": lambda: (True, at_least(value + 1)) if 0 <= value <= 4 else None,
        "<": lambda: (False, at_least(value)) if 1 <= value <= 5 else None,
        "<=": lambda: (False, at_least(value + 1)) if 0 <= value <= 4 else None,
        "=": lambda: (False, at_least(1)) if value == 0 else _exactly(exactly, value, True),
        "!=": lambda: (True, at_least(1)) if value == 0 else _exactly(exactly, value, False),
    }
    return shapes[op]()


def _exactly(exactly: Callable[[int], Q], value: int, has_row: bool) -> FactsTest | None:
    # Exactly k needs the (k+1)-th latest, kept up to the 5th: k ≤ 4.
    return (has_row, exactly(value)) if 1 <= value <= 4 else None
