"""Builders for journey tests: journeys published through the verbs."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from siyu.customers.changes import Change
from siyu.customers.models import Customer, CustomerChange
from siyu.journeys.models import Journey
from siyu.journeys.versions import publish


def chain(*steps: dict[str, Any]) -> dict[str, Any]:
    """A straight graph s0 → s1 → … → end."""
    out: dict[str, Any] = {}
    for i, step in enumerate(steps):
        out[f"s{i}"] = {**step, "next": f"s{i + 1}"}
    out[f"s{len(steps)}"] = {"type": "end"}
    return {"start": "s0", "steps": out}


def make_journey(graph: dict[str, Any], **fields: Any) -> Journey:
    journey = Journey.objects.create(name=fields.pop("name", "旅程"), draft=graph, **fields)
    publish(journey)
    journey.refresh_from_db()
    return journey


def plain_customers(n: int) -> list[Customer]:
    """Profiles with nothing but a name (no identity, no follower): enough for the engine."""
    now = timezone.now()
    return Customer.objects.bulk_create(
        Customer(display_name=f"客{i}", created_at=now) for i in range(n)
    )


def changes_after(last_id: int = 0) -> list[Change]:
    """The feed's rows after ``last_id`` as the consumer gets them. Tests read them inside
    their own transaction, where PostgreSQL's ``read_changes`` would not call them final."""
    rows = CustomerChange.objects.filter(pk__gt=last_id).order_by("pk")
    return [
        Change(r.pk, 0, r.customer_id, r.kind, r.ref, r.created_at, dict(r.data or {}))
        for r in rows
    ]
