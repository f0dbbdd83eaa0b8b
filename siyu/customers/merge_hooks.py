"""How each app's customer rows follow a merge, and come back on unmerge (design rule 9).

Every app whose tables point at a profile registers those tables here from its
``AppConfig.ready`` and says how their rows merge:

- ``MOVE``: every row moves to the survivor. Where the survivor already holds a row with
  the same ``key`` (the tag of a tag link, the segment of an open membership), the merged
  profile's row is set aside: deleted, its data kept in the merge record, recreated on
  unmerge.
- ``KEEP_NEWEST`` / ``KEEP_OLDEST``: on such a clash the row with the latest / earliest
  ``by`` value stays with the survivor and the other is set aside.
- ``COMBINE``: on a clash ``combine(kept, other)`` folds the merged profile's row into the
  survivor's; the survivor's previous values are kept for unmerge, the other row is set
  aside.
- ``REFUSE``: a clash refuses the whole merge (``MergeRefused``); the profiles go to review.

Clashes are found with one query per table, never by catching IntegrityError row by row,
and every row is accounted for (moved, combined or set aside): none is left behind on the
merged profile. ``siyu/customers/tests/test_merge_hooks.py`` fails when a model with a
foreign key to ``Customer`` is not registered.

The privacy exporter and eraser of rule 9 are declared on the same ``CustomerRows`` (one
list of what an app holds about a person), as ``export`` / ``erase`` beside ``policy``
(see ``siyu/customers/person_rows.py``). A new app adds one declaration per table, e.g.::

    CustomerRows(SendLog, export=export_rows, erase=Erase.STUB, scrub=scrub("idempotency_key"))
    CustomerRows(PendingSend, export=export_rows, erase=Erase.DELETE)

``siyu/privacy/tests/test_registry.py`` fails when a registered table declares no
exporter or eraser, and the privacy export and deletion read this registry, so a table
registered here is in every archive and every deletion.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from siyu.core.fields import EncryptedTextField
from siyu.customers.person_rows import Erase, Exporter, Scrubber

State = dict[str, Any]


class MergePolicy(StrEnum):
    MOVE = "move"
    COMBINE = "combine"
    KEEP_NEWEST = "keep_newest"
    KEEP_OLDEST = "keep_oldest"
    REFUSE = "refuse"


class MergeRefused(ValueError):
    """A registered table cannot hold both profiles' rows: the merge is left to review."""

    def __init__(self, label: str, clashes: int) -> None:
        self.label, self.clashes = label, clashes
        super().__init__(
            _("%(table)s refuses the merge: both profiles hold %(n)d rows it keeps once")
            % {"table": label, "n": clashes}
        )


@dataclass(frozen=True)
class CustomerRows:
    """One table's rows that belong to a profile, and how they merge.

    ``key``: with the profile, the fields a profile holds at most once (``()``: one row per
    profile; None: rows never clash). ``key_filter``: the rows that key applies to (a
    partial unique constraint). ``by``: the field KEEP_NEWEST / KEEP_OLDEST compare.
    ``export`` / ``erase`` / ``scrub``: what a privacy request does with the rows.
    """

    model: type[models.Model]
    policy: MergePolicy = MergePolicy.MOVE
    field: str = "customer"
    key: tuple[str, ...] | None = None
    key_filter: Q | None = None
    by: str = ""
    combine: Callable[[Any, Any], None] | None = None
    export: Exporter | None = None
    erase: Erase | None = None
    scrub: Scrubber | None = None
    # Rows that also name the profile in a key of their own (the send log's recipient):
    # ``rekey(row ids, to_customer, from_customer)`` after a move, and reversed on unmerge.
    rekey: Callable[[list[int], int, int], None] | None = None

    @property
    def label(self) -> str:
        return str(self.model._meta.label)

    @property
    def column(self) -> str:
        return f"{self.field}_id"


REGISTRY: dict[str, CustomerRows] = {}
# Tables that point at a profile but are the profile's own history, not its rows.
EXEMPT = {
    "customers.Customer": "merged_into: the merge itself",
    "customers.MergeRecord": "the record of a merge names both profiles on purpose",
}


def register_customer_rows(*tables: CustomerRows) -> None:
    for rows in tables:
        if rows.policy in (MergePolicy.KEEP_NEWEST, MergePolicy.KEEP_OLDEST) and not rows.by:
            raise ValueError(f"{rows.label}: {rows.policy} needs `by`")
        if rows.policy == MergePolicy.COMBINE and rows.combine is None:
            raise ValueError(f"{rows.label}: combine needs a `combine` function")
        if rows.policy != MergePolicy.MOVE and rows.key is None:
            raise ValueError(f"{rows.label}: {rows.policy} needs a `key` to find clashes")
        if rows.key is not None and any(
            isinstance(f, EncryptedTextField) for f in rows.model._meta.concrete_fields
        ):
            # Set-aside rows are kept as JSON in the merge record: never personal data.
            raise ValueError(f"{rows.label}: rows with personal data cannot be set aside")
        REGISTRY[rows.label] = rows


@contextmanager
def registered(rows: CustomerRows) -> Iterator[None]:
    """Tests: use another policy for one table for the duration of a block."""
    before = REGISTRY.get(rows.label)
    REGISTRY[rows.label] = rows
    try:
        yield
    finally:
        if before is None:
            del REGISTRY[rows.label]
        else:
            REGISTRY[before.label] = before


@dataclass
class _Plan:
    rows: CustomerRows
    ids: list[int]  # the merged profile's rows
    clashes: list[tuple[int, int]]  # (merged row, survivor row) with the same key


def _plan(rows: CustomerRows, survivor_id: int, merged_id: int) -> _Plan:
    manager = rows.model._default_manager
    ids = list(
        manager.filter(**{rows.column: merged_id}).order_by("pk").values_list("pk", flat=True)
    )
    if rows.key is None or not ids:
        return _Plan(rows, ids, [])
    keyed = manager.filter(rows.key_filter) if rows.key_filter is not None else manager.all()
    fields = list(rows.key)
    theirs = {
        tuple(k): pk
        for pk, *k in keyed.filter(**{rows.column: survivor_id}).values_list("pk", *fields)
    }
    mine = keyed.filter(pk__in=ids).order_by("pk").values_list("pk", *fields)
    clashes = [(pk, theirs[tuple(k)]) for pk, *k in mine if tuple(k) in theirs]
    return _Plan(rows, ids, clashes)


def _row_data(row: models.Model) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for f in row._meta.concrete_fields:
        value = getattr(row, f.attname)
        data[f.attname] = value.isoformat() if hasattr(value, "isoformat") else value
    return data


def _merged_row_wins(rows: CustomerRows, merged_pk: int, survivor_pk: int) -> bool:
    values = dict(
        rows.model._default_manager.filter(pk__in=[merged_pk, survivor_pk]).values_list(
            "pk", rows.by
        )
    )
    mine, theirs = values[merged_pk], values[survivor_pk]
    if rows.policy == MergePolicy.KEEP_NEWEST:
        return bool(mine > theirs)
    return bool(mine < theirs)


def _settle_clashes(plan: _Plan) -> tuple[list[int], list[dict[str, Any]]]:
    """Decide each clash: returns the rows to delete and the data of rows whose values
    were combined into (their state before)."""
    rows, manager = plan.rows, plan.rows.model._default_manager
    aside: list[int] = []
    combined: list[dict[str, Any]] = []
    for merged_pk, survivor_pk in plan.clashes:
        if rows.policy in (MergePolicy.KEEP_NEWEST, MergePolicy.KEEP_OLDEST) and (
            _merged_row_wins(rows, merged_pk, survivor_pk)
        ):
            aside.append(survivor_pk)
            continue
        if rows.policy == MergePolicy.COMBINE and rows.combine is not None:
            kept, other = manager.get(pk=survivor_pk), manager.get(pk=merged_pk)
            combined.append(_row_data(kept))
            rows.combine(kept, other)
            kept.save()
        aside.append(merged_pk)
    return aside, combined


def _apply(plan: _Plan, survivor_id: int, merged_id: int) -> State:
    manager = plan.rows.model._default_manager
    aside, combined = _settle_clashes(plan)
    kept_aside = [_row_data(r) for r in manager.filter(pk__in=aside).order_by("pk")]
    # Set-aside rows go first, so the rows that move never meet them in a unique index.
    manager.filter(pk__in=aside).delete()
    moving = [pk for pk in plan.ids if pk not in set(aside)]
    manager.filter(pk__in=moving).update(**{plan.rows.column: survivor_id})
    if plan.rows.rekey is not None and moving:
        plan.rows.rekey(moving, survivor_id, merged_id)
    return {"moved": moving, "aside": kept_aside, "combined": combined}


def merge_rows(survivor_id: int, merged_id: int) -> State:
    """Move every registered table's rows from ``merged_id`` to ``survivor_id``; returns
    what each did, for ``unmerge_rows``. Refusals are checked before anything is written."""
    plans = [_plan(rows, survivor_id, merged_id) for _, rows in sorted(REGISTRY.items())]
    for plan in plans:
        if plan.rows.policy == MergePolicy.REFUSE and plan.clashes:
            raise MergeRefused(plan.rows.label, len(plan.clashes))
    return {plan.rows.label: _apply(plan, survivor_id, merged_id) for plan in plans if plan.ids}


def _recreate(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    objs = []
    for data in rows:
        obj = model(**data)
        for f in obj._meta.concrete_fields:
            setattr(obj, f.attname, f.to_python(getattr(obj, f.attname)))
        objs.append(obj)
    model._default_manager.bulk_create(objs)


def _restore(model: type[models.Model], before: dict[str, Any]) -> None:
    obj = model(**before)
    for f in obj._meta.concrete_fields:
        setattr(obj, f.attname, f.to_python(getattr(obj, f.attname)))
    obj.save(force_update=True)


def unmerge_rows(state: State, merged_id: int) -> None:
    """Undo ``merge_rows``: moved rows go back, combined rows get their values back, rows
    set aside are recreated as they were (with their own ids)."""
    for label, done in sorted(state.items()):
        model = apps.get_model(label)
        rows = REGISTRY.get(label)
        column = rows.column if rows is not None else "customer_id"
        moved = list(done.get("moved", []))
        survivor_ids = set(
            model._default_manager.filter(pk__in=moved).values_list(column, flat=True)
        )
        model._default_manager.filter(pk__in=moved).update(**{column: merged_id})
        if rows is not None and rows.rekey is not None and moved:
            for survivor_id in survivor_ids - {None}:
                rows.rekey(moved, merged_id, survivor_id)
        for before in done.get("combined", []):
            _restore(model, before)
        _recreate(model, done.get("aside", []))


# Merge records written before the registry kept the customers app's rows under names.
LEGACY_KEYS = {
    "identities": "customers.Identity",
    "events": "customers.Event",
    "orders": "customers.Order",
    "consents": "customers.Consent",
    "tags": "customers.CustomerTag",
    "follows": "customers.CustomerFollow",
}


def state_of(moved: dict[str, Any]) -> State:
    """A merge record's ``moved`` as ``unmerge_rows`` reads it, whichever version wrote it."""
    if "rows" in moved:
        return dict(moved["rows"])
    state: State = {}
    for key, label in LEGACY_KEYS.items():
        value = moved.get(key, [])
        if isinstance(value, dict):
            state[label] = {"moved": value["moved"], "aside": value["dropped"]}
        else:
            state[label] = {"moved": value}
    for label, ids in moved.get("other", {}).items():
        state[label] = {"moved": ids}
    return state
