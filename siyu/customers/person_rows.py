"""What an app's customer rows give to a privacy request (design rule 9): the exporter
and eraser declared on each ``CustomerRows`` beside its merge policy.

``export`` turns the person's rows of one table into JSON-able dicts (``export_rows`` for
most tables: every concrete field, encrypted fields already decrypted by the ORM).
``erase`` says what a deletion does with them:

- ``Erase.DELETE``: the rows go.
- ``Erase.STUB``: the rows stay, on the anonymous stub the profile becomes, because the
  brand's figures need them (order amounts and dates, first-touch attribution); ``scrub``
  first replaces whatever in them could name the person (an order number, an
  idempotency key carrying a WeCom id, free-text properties).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from django.db import models
from django.db.models import CharField, QuerySet, Value
from django.db.models.functions import Cast, Concat

Exporter = Callable[[QuerySet[Any]], list[dict[str, Any]]]
Scrubber = Callable[[QuerySet[Any]], None]


class Erase(StrEnum):
    DELETE = "delete"
    STUB = "stub"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def row_dict(row: models.Model, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        f.attname: _plain(getattr(row, f.attname))
        for f in row._meta.concrete_fields
        if f.attname not in skip
    }


def export_rows(rows: QuerySet[Any]) -> list[dict[str, Any]]:
    return [row_dict(r) for r in rows.order_by("pk")]


def export_identities(rows: QuerySet[Any]) -> list[dict[str, Any]]:
    """Identifiers as the person gave them: personal ones decrypted (for the export only),
    never their blind index."""
    out = []
    for r in rows.order_by("pk"):
        data = row_dict(r, skip=("value", "value_encrypted"))
        data["value"] = _decrypted(r.value_encrypted) if r.value_encrypted else r.value
        out.append(data)
    return out


def _decrypted(token: str) -> str:
    from siyu.core.pii import decrypt_pii

    return decrypt_pii(token)


def export_orders(rows: QuerySet[Any]) -> list[dict[str, Any]]:
    out = []
    for order in rows.order_by("pk").prefetch_related("lines", "refunds"):
        data = row_dict(order)
        data["lines"] = [row_dict(ln) for ln in order.lines.all()]
        data["refunds"] = [row_dict(rf) for rf in order.refunds.all()]
        out.append(data)
    return out


def erased_marker(field: str) -> dict[str, Any]:
    """``field = "erased:<pk>"``: unique where the original was, naming nobody."""
    return {field: Concat(Value("erased:"), Cast("pk", CharField()))}


def scrub(*markers: str, **values: Any) -> Scrubber:
    """A scrubber replacing each of ``markers`` by ``erased:<pk>`` and setting ``values``."""

    def run(rows: QuerySet[Any]) -> None:
        updates: dict[str, Any] = dict(values)
        for name in markers:
            updates.update(erased_marker(name))
        if updates:
            rows.update(**updates)

    return run
