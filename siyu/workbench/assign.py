"""Operator-made tasks: one task per chosen customer, for that customer's primary owner."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from siyu.customers.models import Customer
from siyu.workbench.tasks import create_task

SOURCE = "console"
CHUNK = 500


def assign_tasks(
    customer_ids: Sequence[int],
    *,
    kind: str,
    title: str,
    due_at: datetime,
    batch_key: str,
    created_by_id: int | None = None,
    material_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> tuple[int, int]:
    """(tasks made or found, customers without an owner). Keyed by the batch and the
    customer, so a resubmitted form makes no second task."""
    made = unowned = 0
    ordered = sorted(set(customer_ids))
    for start in range(0, len(ordered), CHUNK):
        rows = Customer.objects.filter(pk__in=ordered[start : start + CHUNK]).values_list(
            "pk", "primary_owner_id", "display_name"
        )
        for pk, owner_id, name in rows:
            if owner_id is None:
                unowned += 1
                continue
            create_task(
                customer_id=pk,
                staff_id=owner_id,
                kind=kind,
                title=title.replace("{name}", name or f"#{pk}"),
                due_at=due_at,
                source=SOURCE,
                source_key=f"{batch_key}:{pk}",
                material_id=material_id,
                payload=payload,
                created_by_id=created_by_id,
            )
            made += 1
    return made, unowned
