"""Tables that hold a person's data without a key to her profile (a raw callback naming
her WeCom id, an outbound call's payload). Registered from their app's ``AppConfig.ready``
beside the ``CustomerRows`` of the merge hooks, so the export and the deletion find them.

``EXEMPT`` names tables that could look personal but hold nothing to export or erase, with
the reason; ``siyu/privacy/tests/test_registry.py`` fails on a table that is neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db import models
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from siyu.customers.person_rows import row_dict


@dataclass(frozen=True)
class Person:
    """Whom a request is about: her profile, the profiles merged into it, and the values
    of her identifiers (for tables that name her only in text)."""

    customer_id: int
    customer_ids: tuple[int, ...]
    identifiers: tuple[str, ...]


@dataclass(frozen=True)
class TextHolder:
    model: type[models.Model]
    field: str

    @property
    def label(self) -> str:
        return str(self.model._meta.label)

    def rows(self, person: Person) -> models.QuerySet[Any]:
        # Short values (a 4-digit suffix) would match strangers: only real identifiers.
        values = [v for v in person.identifiers if len(v) >= 8]
        manager: models.Manager[Any] = self.model._default_manager
        if not values:
            return manager.none()
        qs = manager.annotate(_text=Cast(self.field, TextField()))
        found: models.QuerySet[Any] = qs.filter(reduce(or_, (Q(_text__contains=v) for v in values)))
        return found

    def export(self, person: Person) -> list[dict[str, Any]]:
        return [row_dict(r) for r in self.rows(person).order_by("pk")]

    def erase(self, person: Person) -> int:
        ids = list(self.rows(person).values_list("pk", flat=True))
        self.model._default_manager.filter(pk__in=ids).delete()
        return len(ids)


HOLDERS: dict[str, TextHolder] = {}
EXEMPT: dict[str, str] = {
    "customers.CustomerChange": "profile numbers, kinds and field names only; kept a week",
    "customers.MergeRecord": "scrubbed by the deletion itself (siyu/privacy/erase.py)",
    "customers.Customer": "the profile itself: exported and scrubbed by the privacy verbs",
    "core.AuditLog": "who did what to which profile number, never the values",
    "imports.ImportJob": "the file is emptied when its import finishes; retention removes it",
    "privacy.ExportArchive": "the archives themselves: removed with their request's retention",
    "segments.CustomerFacts": "order totals of a profile number, derived from the orders that "
    "stay on the stub (the feed recomputes them); nothing naming the person",
}


def register_text_holder(model: type[models.Model], field: str) -> None:
    holder = TextHolder(model, field)
    HOLDERS[holder.label] = holder
