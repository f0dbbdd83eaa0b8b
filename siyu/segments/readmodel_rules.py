"""A segment rule as SQL over the analytic read model (DuckDB embedded, ClickHouse
shared): the editor's live count and the API's preview for a brand-wide or org-unit
scope at a million customers, where the same rule over the order facts in SQLite reads
every matching profile by its id (3.6 s at 1M; a column scan here).

Every condition is "the customer's id is (not) among the ids of a small table" (rm_buyers,
rm_orders, rm_tags) or a test of a profile column of rm_customers, which holds only active
customers, as ``matching_fast`` selects them. A test that holds for a customer without
orders (``frequency < 3``) is written as "not among those failing it", as fast.py does.
Moments are whole seconds: the cutoffs come from ``now`` floored to the second, so a
boundary is exact for whole-second order times (the page's "now" is only ever a second
off). What the read model does not hold (events, categories, identities, owners,
consent, birthdays, channels, acquisition) compiles to None, and the caller keeps the SQL
path; tests/test_readmodel_rules.py compares both on random data.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from siyu.analytics.readmodel.engines import Engine
from siyu.analytics.readmodel.scope import Filter
from siyu.segments.rules import AndNode, Node, NotNode, OrdersCond, OrNode, ProfileCond, TagsCond

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "=": operator.eq,
    "!=": operator.ne,
}
_NEGATED = {">=": "<", ">": "<=", "<=": ">", "<": ">=", "=": "!=", "!=": "="}


# SQL text here is built from fixed names, operators from a closed set and integers; every
# value a user typed is a bound parameter (``param``).


class Unsupported(Exception):
    """The rule tests something the read model does not hold."""


@dataclass
class _Sql:
    now_s: int
    params: dict[str, Any] = field(default_factory=dict)

    def param(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def node(self, node: Node) -> str:
        if isinstance(node, AndNode):
            return "(" + " AND ".join(self.node(child) for child in node.rules) + ")"
        if isinstance(node, OrNode):
            return "(" + " OR ".join(self.node(child) for child in node.rules) + ")"
        if isinstance(node, NotNode):
            return f"(NOT {self.node(node.rule)})"
        if isinstance(node, ProfileCond):
            values = ", ".join(self.param(str(v)) for v in node.values)
            return f"c.{node.field} IN ({values})"
        if isinstance(node, TagsCond):
            return self.tags(node)
        if isinstance(node, OrdersCond):
            return self.orders(node)
        raise Unsupported(type(node).__name__)

    def tags(self, leaf: TagsCond) -> str:
        def has(ids: list[int]) -> str:
            listed = ", ".join(str(int(i)) for i in ids)
            return f"c.id IN (SELECT customer_id FROM rm_tags WHERE tag_id IN ({listed}))"  # noqa: S608

        if leaf.mode == "any":
            return has(list(leaf.tag_ids))
        if leaf.mode == "none":
            return f"(NOT {has(list(leaf.tag_ids))})"
        return "(" + " AND ".join(has([t]) for t in sorted(set(leaf.tag_ids))) + ")"

    def orders(self, leaf: OrdersCond) -> str:
        if leaf.metric == "recency_days":
            cutoff = self.param(self.now_s - leaf.value * 86400)
            # Days since the last order ≤ N ⇔ the last order is at or after now − N days;
            # customers who never ordered have no recency and never match.
            side = {"<=": ">=", "<": ">", ">=": "<=", ">": "<"}[leaf.op]
            rows = f"SELECT customer_id FROM rm_buyers WHERE last_paid_s {side} {cutoff}"  # noqa: S608
            return f"c.id IN ({rows})"
        if leaf.window_days is None:
            column = "orders" if leaf.metric == "frequency" else "net_fen"
            return self._compare("rm_buyers", "WHERE 1 = 1", column, leaf.op, leaf.value)
        since = self.param(self.now_s - leaf.window_days * 86400)
        measure = "count(*)" if leaf.metric == "frequency" else "sum(net_fen)"
        where = f"WHERE paid_s >= {since} GROUP BY customer_id"
        return self._compare("rm_orders", where, measure, leaf.op, leaf.value, having=True)

    def _compare(
        self, table: str, where: str, measure: str, op: str, value: int, having: bool = False
    ) -> str:
        """Customers whose measure passes; one with no row has 0 there."""
        joiner = " HAVING " if having else " AND "
        passes = _OPS[op](0, value)
        test_op = _NEGATED[op] if passes else op
        test = f"{measure} {test_op} {self.param(value)}"
        rows = f"SELECT customer_id FROM {table} {where}{joiner}{test}"  # noqa: S608
        return f"(c.id NOT IN ({rows}))" if passes else f"c.id IN ({rows})"


def compile_rule(node: Node, now: datetime) -> tuple[str, dict[str, Any]] | None:
    """(condition on ``rm_customers c``, params), or None when the read model cannot
    answer the rule."""
    sql = _Sql(int(now.timestamp()))
    try:
        return sql.node(node), sql.params
    except Unsupported:
        return None


def count(engine: Engine, node: Node, now: datetime, scope: Filter) -> int | None:
    """Active customers in the scope matching the rule (None: not answerable here)."""
    compiled = compile_rule(node, now)
    if compiled is None:
        return None
    condition, params = compiled
    rows = engine.rows(
        f"SELECT count(*) FROM rm_customers c WHERE {scope.sql('c.')} AND {condition}",  # noqa: S608
        params,
    )
    return int(rows[0][0])


def member_ids(engine: Engine, node: Node, now: datetime, scope: Filter) -> list[int] | None:
    compiled = compile_rule(node, now)
    if compiled is None:
        return None
    condition, params = compiled
    table = engine.arrow(
        f"SELECT c.id FROM rm_customers c WHERE {scope.sql('c.')} AND {condition} "  # noqa: S608
        "ORDER BY c.id",
        params,
    )
    return [int(i) for i in table.column("id").to_pylist()]
