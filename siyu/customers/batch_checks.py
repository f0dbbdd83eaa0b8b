"""Checks a batch item needs beyond its schema: identifier rules, amounts that must add up,
and names (stores, staff) or customer ids that must exist. Each problem is reported with the
path of the field it concerns, so a caller can point at the exact cell of a CSV row."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel

from siyu.core.models import OrgKind, OrgUnit, Staff
from siyu.customers.batch_schemas import EventItem, IdentityItem, OrderItem, ProfileItem
from siyu.customers.identity_rules import (
    IdentityInput,
    TypeRule,
    checked_identity,
    is_junk,
    validate_identity,
)
from siyu.customers.models import Customer, CustomerStatus

Problem = tuple[str, str]  # (field path, message)


def identity_problems(
    identities: Sequence[IdentityItem], path: str = "identities"
) -> list[Problem]:
    problems: list[Problem] = []
    usable = 0
    for n, item in enumerate(identities):
        # One normalisation per identifier gives both the message and the usability.
        message, rule, value = checked_identity(
            IdentityInput(item.type, item.value, item.namespace)
        )
        if message is not None:
            problems.append((_problem_path(item, rule, f"{path}.{n}"), message))
        elif not is_junk(item.type, value):
            usable += 1
    if identities and not problems and usable == 0:
        # Placeholders are dropped rather than rejected, but an item made only of them
        # would have no one to belong to.
        problems.append((path, "no usable identifier: all values are empty or placeholders"))
    return problems


def _problem_path(item: IdentityItem, rule: TypeRule | None, path: str) -> str:
    if rule is None:
        return f"{path}.type"  # an unknown type
    if rule.needs_namespace and not item.namespace:
        return f"{path}.namespace"
    return f"{path}.value"


def profile_problems(item: ProfileItem) -> list[Problem]:
    problems = identity_problems(item.identities)
    # phone and email fields become identifiers of the profile, so the same rules apply.
    for name in ("phone", "email"):
        value = getattr(item, name)
        if value:
            message = validate_identity(IdentityInput(name, value))
            if message is not None:
                problems.append((name, message))
    return problems


def event_problems(item: EventItem) -> list[Problem]:
    if bool(item.identities) == (item.customer_id is not None):
        return [("identities", "give either identities or customer_id, exactly one of them")]
    return identity_problems(item.identities or [])


def order_problems(item: OrderItem) -> list[Problem]:
    problems = identity_problems(item.identities)
    if item.paid_fen > item.total_fen:
        problems.append(("paid_fen", "must not exceed total_fen"))
    refunded = sum(r.amount_fen for r in item.refunds)
    if refunded > item.paid_fen:
        problems.append(("refunds", f"add up to {refunded} fen, more than paid_fen"))
    seen: set[str] = set()
    for n, refund in enumerate(item.refunds):
        if refund.refund_no in seen:
            problems.append((f"refunds.{n}.refund_no", "appears twice in this order"))
        seen.add(refund.refund_no)
    return problems


@dataclass
class References:
    """Stores, staff and customers the batch names, each loaded with one query."""

    stores: dict[str, OrgUnit] = field(default_factory=dict)
    staff: dict[str, Staff] = field(default_factory=dict)
    customers: dict[int, Customer] = field(default_factory=dict)


def load_references(items: Iterable[BaseModel]) -> References:
    units: set[str] = set()
    owners: set[str] = set()
    customer_ids: set[int] = set()
    for item in items:
        if isinstance(item, OrderItem) and item.store:
            units.add(item.store)
        if isinstance(item, ProfileItem):
            units.update([item.org_unit] if item.org_unit else [])
            owners.update([item.primary_owner] if item.primary_owner else [])
        if isinstance(item, EventItem) and item.customer_id is not None:
            customer_ids.add(item.customer_id)
    refs = References()
    if units:
        refs.stores = _units_by_name(units)
    if owners:
        found = Staff.objects.select_related("user").filter(user__username__in=owners)
        refs.staff = {s.user.username: s for s in found}
    if customer_ids:
        refs.customers = _customers_by_id(customer_ids)
    return refs


def _units_by_name(names: set[str]) -> dict[str, OrgUnit]:
    units: dict[str, OrgUnit] = {}
    # Stores win over regions of the same name: orders and profiles belong to stores.
    rank: dict[str, int] = {OrgKind.STORE: 0, OrgKind.REGION: 1, OrgKind.BRAND: 2}
    found = sorted(OrgUnit.objects.filter(name__in=names), key=lambda u: (rank[u.kind], u.pk))
    for unit in found:
        units.setdefault(unit.name, unit)
    return units


def _customers_by_id(ids: set[int]) -> dict[int, Customer]:
    """Map each id to the live profile: a merged profile's events go to its survivor."""
    found = {c.pk: c for c in Customer.objects.filter(pk__in=ids)}
    result: dict[int, Customer] = {}
    for pk, customer in found.items():
        current = customer
        # Merge chains are short; the bound guards against a corrupted cycle.
        for _ in range(100):
            if current.status != CustomerStatus.MERGED or current.merged_into_id is None:
                break
            current = Customer.objects.get(pk=current.merged_into_id)
        if current.status == CustomerStatus.ACTIVE:
            result[pk] = current
    return result


def reference_problems(item: BaseModel, refs: References) -> list[Problem]:
    problems: list[Problem] = []
    if isinstance(item, OrderItem) and item.store and item.store not in refs.stores:
        problems.append(("store", f"no store named {item.store!r}"))
    if isinstance(item, ProfileItem):
        if item.org_unit and item.org_unit not in refs.stores:
            problems.append(("org_unit", f"no organisation unit named {item.org_unit!r}"))
        if item.primary_owner and item.primary_owner not in refs.staff:
            problems.append(("primary_owner", f"no staff with username {item.primary_owner!r}"))
    if (
        isinstance(item, EventItem)
        and item.customer_id is not None
        and item.customer_id not in refs.customers
    ):
        problems.append(("customer_id", f"no customer with id {item.customer_id}"))
    return problems
