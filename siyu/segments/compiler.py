"""Rule tree → one Django ``Q`` over Customer, evaluated entirely in the database.

Every condition compiles to a test on the customer's own columns or to a correlated
``EXISTS`` / aggregate subquery — never to a join. A join over a many-valued relation would
repeat customer rows and, under NOT, change meaning (Django's exclude-across-relations
rules); a subquery is exactly "this customer has …", so AND/OR/NOT compose as in the
reference evaluator and the same Q can be used in ``annotate`` to explain membership.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db.models import (
    Count,
    Exists,
    Expression,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
)

from siyu.core.models import OrgUnit
from siyu.customers.consent import consent_is
from siyu.customers.models import (
    Customer,
    CustomerStatus,
    CustomerTag,
    Event,
    Identity,
    Order,
    OrderLine,
)
from siyu.segments.channel import in_channels
from siyu.segments.jsonnum import JsonNumber
from siyu.segments.rules import (
    AndNode,
    BirthdayCond,
    CategoryCond,
    ChannelCond,
    ConsentCond,
    CreatedCond,
    EventCond,
    IdentityCond,
    Leaf,
    Node,
    NotNode,
    OrdersCond,
    OrgUnitCond,
    OrNode,
    OwnerCond,
    ProfileCond,
    TagsCond,
)

M = TypeVar("M", bound=Any)


def compile_rule(node: Node, now: datetime) -> Q:
    """The customers matching ``node`` at ``now`` (apply to an active-customer queryset)."""
    if isinstance(node, AndNode):
        q = Q()
        for child in node.rules:
            q &= compile_rule(child, now)
        return q
    if isinstance(node, OrNode):
        parts = [compile_rule(child, now) for child in node.rules]
        q = parts[0]
        for part in parts[1:]:
            q |= part
        return q
    if isinstance(node, NotNode):
        return ~compile_rule(node.rule, now)
    return compile_leaf(node, now)


def matching_customers(
    node: Node, now: datetime, base: QuerySet[Customer] | None = None
) -> QuerySet[Customer]:
    """Active customers matching the rule, within ``base`` (a scope) when given."""
    qs = base if base is not None else Customer.objects.all()
    return qs.filter(status=CustomerStatus.ACTIVE).filter(compile_rule(node, now))


def compile_leaf(leaf: Leaf, now: datetime) -> Q:
    compiler: Callable[[Any, datetime], Q] = _LEAVES[type(leaf)]
    return compiler(leaf, now)


def _compare(lhs: Expression, op: str, value: float) -> Q:
    rhs = Value(value)
    lookups = {
        ">=": GreaterThanOrEqual,
        ">": GreaterThan,
        "<=": LessThanOrEqual,
        "<": LessThan,
        "=": Exact,
    }
    if op == "!=":
        return ~Q(Exact(lhs, rhs))
    return Q(lookups[op](lhs, rhs))


def _per_customer(qs: QuerySet[M], aggregate: Any) -> Expression:
    """A correlated scalar subquery: ``aggregate`` over this customer's rows, 0 if none."""
    grouped = qs.order_by().values("customer_id").annotate(v=aggregate).values("v")[:1]
    return Coalesce(Subquery(grouped), Value(0), output_field=aggregate.output_field)


def _since(now: datetime, window_days: int | None) -> datetime | None:
    return now - timedelta(days=window_days) if window_days else None


def _profile(leaf: ProfileCond, now: datetime) -> Q:
    return Q(**{f"{leaf.field}__in": list(leaf.values)})


def _created(leaf: CreatedCond, now: datetime) -> Q:
    q = Q()
    if leaf.after is not None:
        q &= Q(created_at__gt=leaf.after)
    if leaf.before is not None:
        q &= Q(created_at__lt=leaf.before)
    if leaf.within_days is not None:
        q &= Q(created_at__gte=now - timedelta(days=leaf.within_days))
    return q


def _birthday(leaf: BirthdayCond, now: datetime) -> Q:
    # Spelled out so that under NOT a missing birthday counts as "not in these months".
    return Q(birthday__isnull=False) & Q(birthday__month__in=list(leaf.months))


def _tags(leaf: TagsCond, now: datetime) -> Q:
    def has(ids: list[int]) -> Exists:
        return Exists(CustomerTag.objects.filter(customer_id=OuterRef("pk"), tag_id__in=ids))

    if leaf.mode == "any":
        return Q(has(list(leaf.tag_ids)))
    if leaf.mode == "none":
        return ~Q(has(list(leaf.tag_ids)))
    q = Q()
    for tag_id in sorted(set(leaf.tag_ids)):
        q &= Q(has([tag_id]))
    return q


def _identity(leaf: IdentityCond, now: datetime) -> Q:
    ids = Identity.objects.filter(customer_id=OuterRef("pk"), type=leaf.identity_type)
    if leaf.namespace is not None:
        ids = ids.filter(namespace=leaf.namespace)
    return Q(Exists(ids))


def _event(leaf: EventCond, now: datetime) -> Q:
    events = Event.objects.filter(customer_id=OuterRef("pk"), type=leaf.event_type)
    since = _since(now, leaf.window_days)
    if since is not None:
        events = events.filter(occurred_at__gte=since)
    if leaf.measure == "count":
        agg: Any = Count("pk", output_field=IntegerField())
    else:
        agg = Sum(JsonNumber("properties", leaf.property or ""))
    return _compare(_per_customer(events, agg), leaf.op, leaf.value)


def _orders(leaf: OrdersCond, now: datetime) -> Q:
    orders = Order.objects.filter(customer_id=OuterRef("pk"))
    if leaf.metric == "recency_days":
        return _recency(orders, leaf.op, now - timedelta(days=leaf.value))
    since = _since(now, leaf.window_days)
    if since is not None:
        orders = orders.filter(paid_at__gte=since)
    if leaf.metric == "frequency":
        agg: Any = Count("pk", output_field=IntegerField())
    else:
        agg = Sum(F("paid_fen") - F("refunded_fen"), output_field=IntegerField())
    return _compare(_per_customer(orders, agg), leaf.op, leaf.value)


def _recency(orders: QuerySet[Order], op: str, cutoff: datetime) -> Q:
    """Days since the last order compared with N, as "the last order is on which side of
    now − N days". Customers who never ordered have no recency and never match."""
    if op == "<=":
        return Q(Exists(orders.filter(paid_at__gte=cutoff)))
    if op == "<":
        return Q(Exists(orders.filter(paid_at__gt=cutoff)))
    strictly = {">=": "paid_at__gt", ">": "paid_at__gte"}[op]
    return Q(Exists(orders)) & ~Q(Exists(orders.filter(**{strictly: cutoff})))


def _category(leaf: CategoryCond, now: datetime) -> Q:
    lines = OrderLine.objects.filter(order__customer_id=OuterRef("pk"), category=leaf.category)
    since = _since(now, leaf.window_days)
    if since is not None:
        lines = lines.filter(order__paid_at__gte=since)
    return Q(Exists(lines))


def _channel(leaf: ChannelCond, now: datetime) -> Q:
    return Q(in_channels(list(leaf.channels)))


def _owner(leaf: OwnerCond, now: datetime) -> Q:
    return Q(primary_owner__isnull=False) & Q(primary_owner_id__in=list(leaf.staff_ids))


def _org_unit(leaf: OrgUnitCond, now: datetime) -> Q:
    # The subtree by materialised path prefix; the unit's own path is read inside the same
    # query so a rule stays valid if the tree is re-parented.
    unit_path = OrgUnit.objects.filter(pk=leaf.org_unit_id).values("path")[:1]
    units = OrgUnit.objects.filter(pk=OuterRef("org_unit_id"), path__startswith=Subquery(unit_path))
    return Q(Exists(units))


def _consent(leaf: ConsentCond, now: datetime) -> Q:
    return consent_is(leaf.purpose, leaf.granted)


_LEAVES: dict[type[Any], Callable[[Any, datetime], Q]] = {
    ProfileCond: _profile,
    CreatedCond: _created,
    BirthdayCond: _birthday,
    TagsCond: _tags,
    IdentityCond: _identity,
    EventCond: _event,
    OrdersCond: _orders,
    CategoryCond: _category,
    ChannelCond: _channel,
    OwnerCond: _owner,
    OrgUnitCond: _org_unit,
    ConsentCond: _consent,
}
