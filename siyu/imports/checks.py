"""Checking parsed items with the batch API's own schemas and rules, reported per cell in
the user's language (see ``messages``)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _
from pydantic import BaseModel, ValidationError

from siyu.customers.batch import KINDS
from siyu.customers.batch_checks import References, load_references
from siyu.customers.batch_schemas import OrderItem, ProfileItem
from siyu.imports.messages import from_check, from_pydantic
from siyu.imports.plain_lines import with_plain_lines
from siyu.imports.plain_profiles import plain_profile
from siyu.imports.rows import ParsedItem, RowError, locate

Checked = tuple[ParsedItem, BaseModel]
# Plainly valid rows skip pydantic (``plain_profiles``); off, every row takes the full
# check: the tests compare both.
PLAIN_PATH = True


def check_item(kind: str, item: ParsedItem) -> BaseModel | list[RowError]:
    if kind == "customers" and PLAIN_PATH:
        plain = plain_profile(item.raw)
        if plain is not None:
            return plain
    spec = KINDS[kind]
    try:
        raw = with_plain_lines(item.raw) if kind == "orders" else item.raw
        model = spec.schema.model_validate(raw)
    except ValidationError as exc:
        return [
            cell_error(item, ".".join(str(p) for p in e["loc"]), from_pydantic(e))
            for e in exc.errors(include_url=False)
        ]
    problems = spec.problems(model)
    if problems:
        return [cell_error(item, path, from_check(message)) for path, message in problems]
    return model


def cell_error(item: ParsedItem, path: str, message: str) -> RowError:
    row, column = locate(item, path)
    return RowError(row, column, message)


def check_chunk(
    kind: str, items: Sequence[ParsedItem]
) -> tuple[list[Checked], list[RowError], References]:
    """Items that pass every check (with the stores and staff they name), and the problems
    of the others."""
    valid, errors = validate_chunk(kind, items)
    good, found, refs = with_references(valid)
    return good, errors + found, refs


def validate_chunk(kind: str, items: Sequence[ParsedItem]) -> tuple[list[Checked], list[RowError]]:
    """The schema and rules of each item, which need no database."""
    valid: list[Checked] = []
    errors: list[RowError] = []
    for item in items:
        found = check_item(kind, item)
        if isinstance(found, BaseModel):
            valid.append((item, found))
        else:
            errors.extend(found)
    return valid, errors


def with_references(valid: list[Checked]) -> tuple[list[Checked], list[RowError], References]:
    """The stores and staff the items name, looked up now, and the items naming others."""
    errors: list[RowError] = []
    refs = load_references(model for _item, model in valid)
    good: list[Checked] = []
    for item, model in valid:
        found_refs = reference_errors(item, model, refs)
        errors.extend(found_refs)
        if not found_refs:
            good.append((item, model))
    return good, errors, refs


def reference_errors(item: ParsedItem, model: BaseModel, refs: References) -> list[RowError]:
    errors: list[RowError] = []
    store = (
        model.store
        if isinstance(model, OrderItem)
        else model.org_unit
        if isinstance(model, ProfileItem)
        else None
    )
    if store and store not in refs.stores:
        path = "store" if isinstance(model, OrderItem) else "org_unit"
        message = _("no store or region named %(name)s in the organisation tree") % {"name": store}
        errors.append(cell_error(item, path, message))
    owner = model.primary_owner if isinstance(model, ProfileItem) else None
    if owner and owner not in refs.staff:
        message = _("no staff member with the login name %(name)s") % {"name": owner}
        errors.append(cell_error(item, "primary_owner", message))
    return errors
