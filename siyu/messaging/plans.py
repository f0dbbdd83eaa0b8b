"""A send plan's rows around the planner: opening the plan (its idempotency key), what
the log already holds for a chunk, and the plan's summary and task sizes once planned."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from siyu.messaging.models import PlanStatus, Send, SendPlan, SendStatus, StaffTask
from siyu.messaging.policy import Candidate
from siyu.messaging.rows import send_rows

if TYPE_CHECKING:
    from siyu.messaging.send import Outcome, SendRequest


def existing_keys(req: SendRequest, cands: list[Candidate]) -> set[str]:
    where = {"source": req.source, "source_id": req.source_id, "channel": req.channel}
    return {key for key, _source in send_rows([c.key for c in cands], ("source",), where)}


def open_plan(req: SendRequest, at: datetime) -> tuple[SendPlan, bool]:
    plan, created = SendPlan.objects.get_or_create(
        source=req.source,
        source_id=req.source_id,
        channel=req.channel,
        defaults={
            "purpose": req.purpose,
            "priority": req.priority,
            "content": req.message.as_json(),
            "title": req.title[:200],
            "audience": req.audience[:200],
            "scheduled_at": at,
            "created_by_id": req.created_by_id,
            "about_id": req.about,
            "created_at": timezone.now(),
        },
    )
    return plan, created


def finish_plan(plan: SendPlan, outcome: Outcome, *, whole: bool = False) -> None:
    """The plan's task sizes and summary; ``whole``: this call decided every send of the
    plan, so its counts are the summary (no read of the sends back)."""
    counts = (
        Send.objects.filter(task=OuterRef("pk"))
        .order_by()
        .values("task")
        .annotate(n=Count("pk"))
        .values("n")
    )
    StaffTask.objects.filter(plan=plan).update(recipients=Coalesce(Subquery(counts), 0))
    summary: Counter[str] = Counter()
    if whole:
        summary.update({label: n for label, n in outcome.counts.items() if n > 0})
    else:
        for status, reason, n in (
            plan.sends.order_by().values_list("status", "reason").annotate(n=Count("pk"))
        ):
            summary[f"blocked:{reason}" if status == SendStatus.BLOCKED else status] += n
    SendPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.PLANNED, summary=dict(summary))
    plan.status, plan.summary = PlanStatus.PLANNED, dict(summary)
    outcome.tasks = plan.tasks.count()
