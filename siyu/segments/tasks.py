"""Background work of segments (Django Tasks API; the backend is configured in settings)."""

from __future__ import annotations

from django_tasks import task

from siyu.segments.facts import facts_ready, fill_facts
from siyu.segments.membership import refresh_customer
from siyu.segments.membership import refresh_segment as refresh_segment_now
from siyu.segments.models import Segment
from siyu.worker.recovery import repeatable


@repeatable
@task()
def refresh_segment(segment_id: int) -> dict[str, int]:
    result = refresh_segment_now(segment_id)
    return {"entered": result.entered, "exited": result.exited, "members": result.members}


@repeatable
@task()
def refresh_segments_for_customer(customer_id: int) -> dict[str, int]:
    """Membership of one customer now (the change feed does this after every change;
    kept for callers that want one customer re-evaluated at once)."""
    results = refresh_customer(customer_id)
    return {
        "entered": sum(r.entered for r in results.values()),
        "exited": sum(r.exited for r in results.values()),
    }


@repeatable
@task()
def refresh_all_segments() -> dict[str, int]:
    """The periodic sweep: rules with time windows change as time passes without any event.
    It also makes the order facts' first fill when the feed has not yet (a quiet brand)."""
    if not facts_ready():
        fill_facts()
    entered = exited = 0
    for segment_id in Segment.objects.filter(is_active=True).values_list("pk", flat=True):
        result = refresh_segment_now(segment_id)
        entered, exited = entered + result.entered, exited + result.exited
    return {"entered": entered, "exited": exited}
