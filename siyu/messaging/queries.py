"""Reads for the console: plans, their staff tasks with progress, the send log."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from siyu.messaging.models import Send, SendPlan, SendStatus, StaffTask, TaskStatus

LOG_PAGE = 100


def recent_plans(limit: int = 50) -> list[SendPlan]:
    return list(SendPlan.objects.select_related("created_by").order_by("-created_at")[:limit])


def plan_tasks(plan: SendPlan) -> QuerySet[StaffTask]:
    sent = Count("sends", filter=Q(sends__status=SendStatus.SENT))
    return (
        plan.tasks.select_related("staff")
        .annotate(sent=sent)
        .order_by("staff__display_name", "part")
    )


def plan_counts(plan: SendPlan) -> list[tuple[str, str, int]]:
    rows = plan.sends.order_by().values_list("status", "reason").annotate(n=Count("pk"))
    return sorted(((s, r, n) for s, r, n in rows), key=lambda row: -row[2])


def awaiting_confirmation(staff_id: int | None = None) -> int:
    """Staff tasks WeCom holds that their staff have not confirmed (the first screen)."""
    tasks = StaffTask.objects.filter(status=TaskStatus.AWAITING, confirmed_at__isnull=True)
    if staff_id is not None:
        tasks = tasks.filter(staff_id=staff_id)
    return tasks.count()


def send_log(status: str = "", after: int | None = None) -> list[Send]:
    rows = Send.objects.select_related("customer", "staff", "plan").order_by("-pk")
    if status:
        rows = rows.filter(status=status)
    if after is not None:
        rows = rows.filter(pk__lt=after)
    return list(rows[:LOG_PAGE])


def customer_sends(customer_id: int, limit: int = 10) -> list[Any]:
    return list(
        Send.objects.filter(customer_id=customer_id)
        .select_related("plan")
        .order_by("-created_at")[:limit]
    )
