"""What the callback benchmark checks in the database once the sending is over: the
worker has drained everything, nothing acknowledged was lost, nothing done twice."""

from __future__ import annotations

import time

ONBOARDING = "siyu.integrations.wecom.onboarding.onboard_contact"


def drain(timeout: float) -> float:
    """Seconds until every inbox row is applied and every onboarding task has ended (a
    task a killed worker was running is requeued once the worker is seen to be dead)."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from siyu.integrations.wecom.models import CallbackInbox, InboxStatus

    started = time.perf_counter()
    unfinished = (TaskResultStatus.READY, TaskResultStatus.RUNNING)
    while time.perf_counter() - started < timeout:
        if not CallbackInbox.objects.filter(status=InboxStatus.PENDING).exists() and not (
            DBTaskResult.objects.filter(task_path=ONBOARDING, status__in=unfinished).exists()
        ):
            return time.perf_counter() - started
        time.sleep(0.5)
    raise SystemExit(f"worker did not drain within {timeout:.0f}s")


def onboarding_outcomes() -> dict[str, int]:
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.filter(task_path=ONBOARDING).values("status")
    return {row["status"]: row["n"] for row in rows.annotate(n=Count("id"))}


def count(run: str, acked: set[str]) -> tuple[int, int, int]:
    """(lost, duplicated events, duplicated inbox rows) for one run's acknowledged events."""
    from collections import Counter

    from siyu.customers.models import Event
    from siyu.integrations.wecom.models import CallbackInbox

    appended = Counter(
        Event.objects.filter(
            type="wecom_contact_added", properties__external_user_id__startswith=f"wm{run}"
        ).values_list("properties__external_user_id", flat=True)
    )
    rows = CallbackInbox.objects.filter(payload__contains=f"wm{run}").count()
    lost = len(acked - set(appended))
    duplicated = sum(c - 1 for c in appended.values())
    return lost, duplicated, rows - len(acked)
