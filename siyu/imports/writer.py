"""Writing one chunk of checked items, each through the customer and order verbs, and
saying for each whether it was created, unchanged or updated.

The bulk path (``bulk``) takes the common cases first (people seen before or seen for the
first time, orders new or unchanged); whatever it leaves goes through here, one savepoint
per item, so one refused item does not undo the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import DataError, IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from pydantic import BaseModel

from siyu.customers.batch import order_input, write_profile_item
from siyu.customers.batch_checks import References
from siyu.customers.batch_schemas import OrderItem, ProfileItem
from siyu.customers.identity_rules import IdentityInput, stored_key
from siyu.customers.merge import FILLABLE
from siyu.customers.models import Customer, Identity
from siyu.customers.orders import OrderConflict, Outcome, upsert_order
from siyu.customers.resolve import resolve_identities
from siyu.imports.checks import Checked, cell_error
from siyu.imports.messages import from_check
from siyu.imports.rows import ORDER_FIELD_COLUMNS, ParsedItem, RowError

SOURCE = "import"
# What an import row can change on a profile: the merge's fillable fields plus the stage.
PROFILE_SNAPSHOT = (*FILLABLE, "lifecycle_stage", "first_seen_at")


@dataclass
class Options:
    update: bool = False  # orders: correct stored orders instead of reporting conflicts
    actor: Any = None
    source: str = SOURCE


@dataclass
class Written:
    created: int = 0
    unchanged: int = 0
    updated: int = 0
    rows: int = 0  # spreadsheet rows of the written items
    errors: list[RowError] = field(default_factory=list)

    def count(self, outcome: Outcome, item: ParsedItem) -> None:
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)
        self.rows += len(item.rows)


def inputs(model: OrderItem | ProfileItem) -> list[IdentityInput]:
    return [IdentityInput(i.type, i.value, i.namespace) for i in model.identities]


def write_each(
    kind: str, checked: Sequence[Checked], refs: References, options: Options, out: Written
) -> None:
    for item, model in checked:
        try:
            with transaction.atomic():
                outcome = write_one(kind, item, model, refs, options)
        except ItemProblem as problem:
            out.errors.append(problem.error)
        except (IntegrityError, DataError, ValueError) as exc:
            out.errors.append(cell_error(item, "", from_check(str(exc))))
        else:
            out.count(outcome, item)


class ItemProblem(Exception):
    def __init__(self, error: RowError) -> None:
        super().__init__(error.message)
        self.error = error


def write_one(
    kind: str, item: ParsedItem, model: BaseModel, refs: References, options: Options
) -> Outcome:
    if isinstance(model, ProfileItem):
        return write_profile(model, refs, options)
    assert isinstance(model, OrderItem)  # noqa: S101 - KINDS has just these two
    return write_order(item, model, refs, options)


def _snapshot(customer_id: int | None) -> tuple[Any, ...] | None:
    if customer_id is None:
        return None
    row = Customer.objects.filter(pk=customer_id).values_list(*PROFILE_SNAPSHOT).first()
    return (customer_id, *row) if row else None


def _known(identities: list[IdentityInput]) -> tuple[int, int | None]:
    keys = [k for k in (stored_key(i) for i in identities) if k is not None]
    q = Q()
    for k in keys:
        q |= Q(type=k.type, namespace=k.namespace, value__in=k.values)
    found = list(Identity.objects.filter(q).values_list("customer_id", flat=True)) if keys else []
    owner = next((c for c in found if c is not None), None)
    return len(keys) - len(found), owner


def write_profile(model: ProfileItem, refs: References, options: Options) -> Outcome:
    ids = inputs(model)
    new_keys, owner = _known(ids)
    before = _snapshot(owner)
    customer = write_profile_item(model, ids, refs, options.source)
    if before is None:
        return Outcome.CREATED
    if new_keys or _snapshot(customer.pk) != before:
        return Outcome.UPDATED
    return Outcome.UNCHANGED


def conflict_error(item: ParsedItem, conflict: OrderConflict) -> RowError:
    columns = [column_of(name) for name in conflict.fields]
    message = _(
        "order %(order)s is already stored with other %(columns)s; nothing was changed. "
        "Import it again in update mode to correct the stored order"
    ) % {"order": conflict.order_no, "columns": ", ".join(columns)}
    return cell_error(item, "order_no", message)


def column_of(name: str) -> str:
    if name.startswith("refund "):
        return _("refund %(refund)s") % {"refund": name.removeprefix("refund ")}
    named = {"customer": _("buyer (identifiers)"), "lines": _("lines")}
    return str(named.get(name) or ORDER_FIELD_COLUMNS.get(name, name))


def write_order(item: ParsedItem, model: OrderItem, refs: References, options: Options) -> Outcome:
    customer = resolve_identities(inputs(model), source=options.source)
    if customer is None:
        raise ItemProblem(cell_error(item, "identities", from_check("no usable identifier")))
    try:
        _row, outcome = upsert_order(
            customer,
            order_input(model, refs),
            update=options.update,
            actor=options.actor,
            source=options.source,
        )
    except OrderConflict as conflict:
        raise ItemProblem(conflict_error(item, conflict)) from conflict
    return outcome
