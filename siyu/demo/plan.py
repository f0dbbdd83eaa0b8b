"""What the simulator will create, as plain frozen data (named tuples: a million people
are tens of millions of these, and a tuple is built several times faster than a frozen
dataclass).

The generator produces these; two loaders turn them into rows (``load.py`` through the
customer verbs, ``bulk.py`` for benchmark-sized brands). Keeping the plan separate from the
database lets tests check determinism by digest without touching a database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple


class IdentityPlan(NamedTuple):
    type: str
    value: str
    namespace: str = ""


class LinePlan(NamedTuple):
    sku: str
    product_name: str
    category: str
    quantity: int
    unit_price_fen: int
    paid_fen: int


class RefundPlan(NamedTuple):
    refund_no: str
    amount_fen: int
    refunded_at: datetime


class OrderPlan(NamedTuple):
    platform: str
    order_no: str
    store: str  # store name, "" for online orders
    paid_at: datetime
    lines: tuple[LinePlan, ...]
    refunds: tuple[RefundPlan, ...] = ()

    @property
    def total_fen(self) -> int:
        return sum(line.unit_price_fen * line.quantity for line in self.lines)

    @property
    def paid_fen(self) -> int:
        return sum(line.paid_fen for line in self.lines)

    @property
    def refunded_fen(self) -> int:
        return sum(refund.amount_fen for refund in self.refunds)


class EventPlan(NamedTuple):
    type: str
    occurred_at: datetime
    idempotency_key: str
    properties: dict[str, Any] = {}  # one shared default: plans are never mutated


class Touch(NamedTuple):
    """One moment the brand saw this person: identifiers seen together, with what happened.

    Every touch goes through identity resolution, so identifiers seen together join (or
    merge) profiles exactly as live traffic would.
    """

    at: datetime
    source: str
    identities: tuple[IdentityPlan, ...]
    order: OrderPlan | None = None
    event: EventPlan | None = None


class ConsentPlan(NamedTuple):
    purpose: str
    granted: bool
    at: datetime
    source: str
    policy_version: str = "2025.1"


class FollowPlan(NamedTuple):
    username: str
    at: datetime
    primary: bool


class ProfilePlan(NamedTuple):
    display_name: str
    real_name: str
    phone: str  # the person's own mobile ("" when unknown or only a shared one was given)
    gender: str
    birthday: date | None
    region: str
    occupation: str
    interests: tuple[str, ...]
    spending_power: str
    lifecycle_stage: str

    def fields(self) -> dict[str, Any]:
        """The profile fields both loaders write as they are (phone and store differ)."""
        return {
            "display_name": self.display_name,
            "real_name": self.real_name,
            "gender": self.gender,
            "birthday": self.birthday,
            "region": self.region,
            "occupation": self.occupation,
            "interests": list(self.interests),
            "spending_power": self.spending_power,
            "lifecycle_stage": self.lifecycle_stage,
        }


@dataclass(frozen=True)
class PersonPlan:  # a dataclass: a tuple's own ``index`` would hide the field
    index: int
    key: str  # "zhang_min" for personas, "c0000042" otherwise
    channel: str  # channel code, see catalog.CHANNELS
    store: str  # store name, "" for the brand (online only)
    arrived_at: datetime
    profile: ProfilePlan
    touches: tuple[Touch, ...]
    consents: tuple[ConsentPlan, ...] = ()
    follows: tuple[FollowPlan, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()  # (group, tag)

    @property
    def orders(self) -> list[OrderPlan]:
        return [t.order for t in self.touches if t.order is not None]

    @property
    def events(self) -> list[EventPlan]:
        return [t.event for t in self.touches if t.event is not None]

    @property
    def primary_owner(self) -> str | None:
        return next((f.username for f in self.follows if f.primary), None)


def plan_digest(people: Iterable[PersonPlan]) -> str:
    """A fingerprint of everything planned: equal digests mean identical demo data.

    ``repr`` of named tuples is stable (field order, dict insertion order, aware
    datetimes), so it is a faithful serialisation for this purpose.
    """
    digest = hashlib.sha256()
    for person in people:
        digest.update(repr(person).encode())
    return digest.hexdigest()
