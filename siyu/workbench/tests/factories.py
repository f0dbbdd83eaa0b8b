"""Small builders for workbench tests: customers owned by the demo brand's reps."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from siyu.core.models import Staff
from siyu.customers.follows import follow_customer
from siyu.customers.models import Customer
from siyu.messaging.models import Send
from siyu.workbench.models import Task, TaskKind
from siyu.workbench.tasks import create_task

T0 = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai, a Monday
_seq = itertools.count(1)


def make_customer(owner: Staff | None = None, name: str = "") -> Customer:
    customer = Customer.objects.create(
        display_name=name or f"客户{next(_seq)}", created_at=timezone.now()
    )
    if owner is not None:
        follow_customer(customer, owner, primary=True)
    return customer


def make_task(customer: Customer, staff: Staff, *, due_in: timedelta = timedelta(hours=3),
              key: str = "", kind: str = TaskKind.CHAT) -> Task:  # fmt: skip
    return create_task(
        customer_id=customer.pk,
        staff_id=staff.pk,
        kind=kind,
        title=f"跟进 {customer.display_name}",
        due_at=timezone.now() + due_in,
        source="test",
        source_key=key or f"k{next(_seq)}",
    )


def notices(staff: Staff, prefix: str = "") -> list[str]:
    """The workbench notices planned to ``staff`` (source ids)."""
    rows = Send.objects.filter(source="workbench", channel="wecom_app", staff=staff)
    return sorted(s for s in rows.values_list("source_id", flat=True) if s.startswith(prefix))
