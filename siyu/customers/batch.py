"""Batch ingestion of profiles, events and orders, shared by the HTTP API and CSV import.

Every item is validated before anything is written, so a caller gets all problems of a batch
in one answer. All-or-nothing (the default) writes nothing when any item is invalid; partial
mode writes the valid items and reports each rejected one.

Writes commit in chunks of at most ``WRITE_CHUNK`` items or ``WRITE_SECONDS``, one
transaction each: a commit per few hundred items is still far cheaper than one per item,
and SQLite's only write lock is never held for the whole batch (a 10,000-item batch in one
transaction held it for tens of seconds, while WeCom wants every callback answered within
5 s; on PostgreSQL a long transaction would also hold back the change feed). In partial
mode each item gets a savepoint so one failure does not undo the others. In all-or-nothing
mode a write the database or a verb refuses (rare: the checks run first) rolls back its
chunk and stops the batch; the chunks before it stay written and are reported as applied.
Every item is idempotent, so sending the corrected batch again is safe.

This module knows nothing about HTTP: callers pass plain dicts and get a ``BatchResult``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, Literal

from django.db import DataError, IntegrityError, transaction
from pydantic import BaseModel, ValidationError

from siyu.customers.acquisition import note_seen
from siyu.customers.batch_checks import (
    Problem,
    References,
    event_problems,
    load_references,
    order_problems,
    profile_problems,
    reference_problems,
)
from siyu.customers.batch_schemas import EventItem, IdentityItem, OrderItem, ProfileItem
from siyu.customers.events import record_event
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.models import Customer
from siyu.customers.orders import (
    OrderConflict,
    OrderInput,
    OrderLineInput,
    Outcome,
    RefundInput,
    upsert_order,
)
from siyu.customers.profiles import upsert_customer
from siyu.customers.resolve import resolve_identities
from siyu.customers.retry import pause_for_other_writers, retry_on_conflict

logger = logging.getLogger(__name__)

BatchKind = Literal["customers", "events", "orders"]
MAX_ITEMS = 10_000
WRITE_CHUNK = 500  # items per write transaction at most…
WRITE_SECONDS = 0.5  # …and about this long at most
BATCH = -1  # FieldError.index for problems with the batch as a whole


@dataclass(frozen=True)
class FieldError:
    index: int  # position of the item in the batch, or BATCH
    field: str  # dotted path inside the item ("lines.2.paid_fen"), "" for the whole item
    message: str


@dataclass(frozen=True)
class ItemResult:
    index: int
    customer_id: int
    object_id: int  # the customer, event or order written
    created: bool | None  # None where the verb does not say (profiles)
    outcome: str = ""  # orders: created / unchanged / updated (siyu.customers.orders.Outcome)


@dataclass(frozen=True)
class BatchResult:
    kind: BatchKind
    partial: bool
    applied: tuple[ItemResult, ...]
    errors: tuple[FieldError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rejected(self) -> list[int]:
        return sorted({e.index for e in self.errors if e.index != BATCH})


class ItemRejected(Exception):
    """A verb refused an item; carries the error to report."""

    def __init__(self, error: FieldError) -> None:
        super().__init__(error.message)
        self.error = error


@dataclass(frozen=True)
class Write:
    source: str
    update: bool = False  # orders: correct a stored order instead of reporting a conflict
    actor: Any = None  # who asked, for the audit of corrections


Applier = Callable[[int, Any, References, Write], ItemResult]
WriteOutcome = tuple[list[ItemResult], list[FieldError], int]


@dataclass(frozen=True)
class KindSpec:
    schema: type[BaseModel]
    problems: Callable[[Any], list[Problem]]
    apply: Applier


def apply_batch(
    kind: BatchKind,
    raw_items: Sequence[Any],
    *,
    partial: bool,
    source: str,
    update: bool = False,
    actor: Any = None,
) -> BatchResult:
    """Validate all items, then write them (see the module docstring for the modes)."""
    spec = KINDS[kind]
    if len(raw_items) > MAX_ITEMS:
        message = f"at most {MAX_ITEMS} items per batch, got {len(raw_items)}; split it"
        return BatchResult(kind, partial, (), (FieldError(BATCH, "items", message),))
    valid, errors = validate_items(spec, raw_items)
    # Names and ids are checked even when other items failed, so one answer lists every
    # problem of the batch.
    refs = load_references(item for _, item in valid)
    checked: list[tuple[int, BaseModel]] = []
    for index, item in valid:
        found = [FieldError(index, path, msg) for path, msg in reference_problems(item, refs)]
        errors.extend(found)
        if not found:
            checked.append((index, item))
    if errors and not partial:
        return BatchResult(kind, partial, (), tuple(sorted(errors, key=_order)))
    write = Write(source, update, actor)
    applied, failed = _write_chunks(spec, checked, refs, partial, write)
    errors.extend(failed)
    return BatchResult(kind, partial, tuple(applied), tuple(sorted(errors, key=_order)))


def _order(error: FieldError) -> tuple[int, str]:
    return error.index, error.field


def validate_items(
    spec: KindSpec, raw_items: Sequence[Any]
) -> tuple[list[tuple[int, BaseModel]], list[FieldError]]:
    valid: list[tuple[int, BaseModel]] = []
    errors: list[FieldError] = []
    for index, raw in enumerate(raw_items):
        found = _item_errors(spec, index, raw)
        if isinstance(found, BaseModel):
            valid.append((index, found))
        else:
            errors.extend(found)
    return valid, errors


def _item_errors(spec: KindSpec, index: int, raw: Any) -> BaseModel | list[FieldError]:
    if not isinstance(raw, dict):
        return [FieldError(index, "", "must be an object with named fields")]
    try:
        item = spec.schema.model_validate(raw)
    except ValidationError as exc:
        return [
            FieldError(index, ".".join(str(p) for p in e["loc"]), _clean(e["msg"]))
            for e in exc.errors(include_url=False)
        ]
    problems = spec.problems(item)
    if problems:
        return [FieldError(index, path, message) for path, message in problems]
    return item


def _clean(message: str) -> str:
    # pydantic prefixes messages of our own validators; the field path already says enough.
    return message.removeprefix("Value error, ")


def _write_chunks(
    spec: KindSpec,
    items: list[tuple[int, BaseModel]],
    refs: References,
    partial: bool,
    write: Write,
) -> tuple[list[ItemResult], list[FieldError]]:
    applied: list[ItemResult] = []
    failed: list[FieldError] = []
    rest = items
    while rest:

        def attempt(todo: list[tuple[int, BaseModel]] = rest) -> WriteOutcome:
            return _write(spec, todo, refs, partial, write)

        # A deadlock with a concurrent writer rolls the chunk back; running it again on
        # the winner's committed state is safe because every verb is idempotent.
        done, refused, used = retry_on_conflict(attempt)
        applied.extend(done)
        failed.extend(refused)
        rest = rest[used:]
        if refused and not partial:
            break
        if rest:
            pause_for_other_writers()
    return applied, failed


def _write(
    spec: KindSpec,
    items: list[tuple[int, BaseModel]],
    refs: References,
    partial: bool,
    write: Write,
) -> WriteOutcome:
    """Write items in one transaction until ``WRITE_CHUNK`` items or ``WRITE_SECONDS``
    have gone by (the lock is bounded in time whatever the machine's speed); returns what
    was applied, what was refused and how many items were consumed."""
    applied: list[ItemResult] = []
    failed: list[FieldError] = []
    began = time.monotonic()
    used = 0
    try:
        with transaction.atomic():
            for index, item in items[:WRITE_CHUNK]:
                used += 1
                # Partial mode needs a savepoint to drop just this item; all-or-nothing
                # unwinds the outer transaction instead and saves two statements per item.
                savepoint = transaction.atomic() if partial else nullcontext()
                try:
                    with savepoint:
                        applied.append(_apply_one(spec, index, item, refs, write))
                except ItemRejected as rejected:
                    if not partial:
                        raise
                    failed.append(rejected.error)
                if time.monotonic() - began > WRITE_SECONDS:
                    break
    except ItemRejected as rejected:
        return [], [rejected.error], used
    return applied, failed, used


def _apply_one(
    spec: KindSpec, index: int, item: BaseModel, refs: References, write: Write
) -> ItemResult:
    try:
        return spec.apply(index, item, refs, write)
    except ItemRejected:
        raise
    except ValueError as exc:
        raise ItemRejected(FieldError(index, "", str(exc))) from exc
    except (IntegrityError, DataError) as exc:
        # Schemas mirror the columns, so this is a conflict the checks could not foresee
        # (e.g. an order already stored with other amounts). The database text can quote
        # values, so it goes to the log, not to the caller.
        logger.warning("batch item %s rejected by the database: %s", index, exc)
        message = f"rejected by the database ({type(exc).__name__}); see the server log"
        raise ItemRejected(FieldError(index, "", message)) from exc


def _inputs(identities: Sequence[IdentityItem]) -> list[IdentityInput]:
    return [IdentityInput(i.type, i.value, i.namespace) for i in identities]


def _resolve(index: int, identities: Sequence[IdentityItem], source: str) -> Customer:
    customer = resolve_identities(_inputs(identities), source=source)
    if customer is None:
        message = "no usable identifier: all are placeholders or shared by several people"
        raise ItemRejected(FieldError(index, "identities", message))
    return customer


def write_profile_item(
    item: ProfileItem, identities: list[IdentityInput], refs: References, source: str
) -> Customer:
    """One profile item written: its fields set, its stated acquisition time noted. The
    batch API and the CSV import's per-item path both write profiles through this."""
    fields = item.model_dump(exclude_unset=True, exclude={"identities", "first_seen_at"})
    if item.org_unit:
        fields["org_unit"] = refs.stores[item.org_unit]
    if item.primary_owner:
        fields["primary_owner"] = refs.staff[item.primary_owner]
    customer = upsert_customer(identities, fields=fields, source=source)
    if item.first_seen_at is not None:
        note_seen(customer, item.first_seen_at)
    return customer


def _apply_profile(index: int, item: ProfileItem, refs: References, write: Write) -> ItemResult:
    customer = write_profile_item(item, _inputs(item.identities), refs, write.source)
    return ItemResult(index, customer.pk, customer.pk, None)


def event_key(item: EventItem) -> str:
    """The caller's idempotency key, or one derived from the event's content."""
    if item.idempotency_key:
        return item.idempotency_key
    who: Any = item.customer_id
    if item.identities:
        who = sorted((i.type, i.namespace, i.value) for i in item.identities)
    content = [who, item.type, item.occurred_at.isoformat(), item.properties]
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return "auto:" + hashlib.sha256(encoded.encode()).hexdigest()


def _apply_event(index: int, item: EventItem, refs: References, write: Write) -> ItemResult:
    if item.customer_id is not None:
        customer = refs.customers[item.customer_id]
    else:
        customer = _resolve(index, item.identities or [], write.source)
    event, created = record_event(
        customer,
        type=item.type,
        occurred_at=item.occurred_at,
        properties=item.properties,
        source=item.source or write.source,
        idempotency_key=event_key(item),
    )
    return ItemResult(index, event.customer_id, event.pk, created)


def order_input(item: OrderItem, refs: References) -> OrderInput:
    """The order verb's input for a checked batch item (also used by the CSV import)."""
    return OrderInput(
        platform=str(item.platform),
        order_no=item.order_no,
        paid_at=item.paid_at,
        total_fen=item.total_fen,
        paid_fen=item.paid_fen,
        lines=tuple(
            OrderLineInput(
                sku=ln.sku,
                product_name=ln.product_name,
                category=ln.category,
                quantity=ln.quantity,
                unit_price_fen=ln.unit_price_fen,
                paid_fen=ln.paid_fen,
            )
            for ln in item.lines
        ),
        refunds=tuple(RefundInput(r.refund_no, r.amount_fen, r.refunded_at) for r in item.refunds),
        store=refs.stores[item.store] if item.store else None,
    )


def _apply_order(index: int, item: OrderItem, refs: References, write: Write) -> ItemResult:
    customer = _resolve(index, item.identities, write.source)
    order = order_input(item, refs)
    try:
        row, outcome = upsert_order(
            customer, order, update=write.update, actor=write.actor, source=write.source
        )
    except OrderConflict as conflict:
        raise ItemRejected(FieldError(index, "order_no", str(conflict))) from conflict
    return ItemResult(index, row.customer_id, row.pk, outcome == Outcome.CREATED, outcome)


KINDS: dict[str, KindSpec] = {
    "customers": KindSpec(ProfileItem, profile_problems, _apply_profile),
    "events": KindSpec(EventItem, event_problems, _apply_event),
    "orders": KindSpec(OrderItem, order_problems, _apply_order),
}
