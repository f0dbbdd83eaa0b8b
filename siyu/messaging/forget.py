"""A deleted person leaves the send log (design rule 9, siyu/privacy/erase.py).

What has not gone out is cancelled and removed: her queued, deferred and awaiting sends
release the WeCom budget they reserved and are deleted, so no worker delivers them and no
staff task is created with her. What went out (or was blocked, or failed) stays on the
anonymous stub for the brand's send and budget figures, without what could name her: the
recipient key becomes ``erased:<id>``, the channel's message id and the error text go,
and a plan written for her alone loses its text, title and audience.

A staff task already at WeCom still lists her external contact there: WeCom cannot take
one recipient out of a task, so only the task's cancel (the whole plan) stops it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from siyu.customers.person_rows import erased_marker
from siyu.messaging.budget import release
from siyu.messaging.models import OPEN, Send, SendPlan, StaffTask


def cancel_open_sends(sends: QuerySet[Send]) -> int:
    """Cancel what has not gone out: budget released, rows deleted; returns how many."""
    open_sends = sends.filter(status__in=OPEN)
    release(open_sends)
    tasks = set(open_sends.exclude(task=None).values_list("task_id", flat=True))
    count, _ = Send.objects.filter(pk__in=list(open_sends.values_list("pk", flat=True))).delete()
    if tasks:
        counts = (
            Send.objects.filter(task=OuterRef("pk"))
            .order_by()
            .values("task")
            .annotate(n=Count("pk"))
            .values("n")
        )
        StaffTask.objects.filter(pk__in=tasks).update(recipients=Coalesce(Subquery(counts), 0))
    return count


def forget_notices(plans: QuerySet[SendPlan]) -> None:
    """Notices to staff about a deleted person keep their counts, not their words."""
    plans.update(content={}, title="", audience="")


def forget_sends(sends: QuerySet[Send]) -> None:
    """The send log's scrubber for a deletion: ``sends`` are all the person's rows."""
    ids = list(sends.values_list("customer_id", flat=True).distinct())
    plans = set(sends.values_list("plan_id", flat=True))
    cancel_open_sends(sends)
    # Plans whose every send is hers were written for her: their text may name her.
    shared = set(
        Send.objects.filter(plan_id__in=plans)
        .exclude(customer_id__in=ids)
        .values_list("plan_id", flat=True)
    )
    blank: dict[str, Any] = {"content": {}, "title": "", "audience": ""}
    SendPlan.objects.filter(pk__in=plans - shared).update(**blank)
    sends.update(external_id="", last_error="", **erased_marker("recipient"))
