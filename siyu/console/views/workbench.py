"""The rep's workbench (工作台) in WeCom's phone browser: today's tasks with one-tap done
or skip and what came of it, her customers at risk, her day against her quota, and the
follow-up notes (跟进记录) the 360 page shows. Loss alerts (流失提醒 / 删人提醒) for her,
her store's manager or HQ. Writes go through ``siyu/workbench`` verbs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from siyu.analytics.periods import last_days
from siyu.core.params import BadParameter, bad_parameter_response, parse_id, parse_text
from siyu.core.roles import current_staff
from siyu.customers.scope import visible_customers
from siyu.workbench.board import staff_rows
from siyu.workbench.loss import resolve_alert
from siyu.workbench.models import Outcome, QuotaMetric
from siyu.workbench.notes import MAX_NOTE, add_note
from siyu.workbench.queries import at_risk, loss_alerts, todays_tasks, upcoming_tasks
from siyu.workbench.tasks import DONE_OUTCOMES, TaskRefused, finish_task, skip_task

ALERT_PAGE = 50


def outcome_choices() -> list[tuple[str, str]]:
    return [(o.value, str(o.label)) for o in DONE_OUTCOMES]


def _quota_rows(staff: Any) -> list[dict[str, Any]]:
    [row] = staff_rows([staff], last_days(1))
    shown = []
    for metric in (QuotaMetric.NEW_CONTACTS, QuotaMetric.TASKS_DONE):
        target = row.targets.get(metric, 0)
        actual = row.actual(metric)
        percent = min(100, round(100 * actual / target)) if target else None
        shown.append({"label": metric.label, "actual": actual, "target": target, "percent": percent})  # fmt: skip
    return shown


@login_required
@require_GET
def workbench_page(request: HttpRequest) -> HttpResponse:
    staff = current_staff(request.user)
    if staff is None:
        raise PermissionDenied
    now = timezone.now()
    context = {
        "section": "workbench",
        "tasks": todays_tasks(staff, now),
        "upcoming": upcoming_tasks(staff, now),
        "at_risk": at_risk(staff),
        "quota": _quota_rows(staff),
        "outcomes": outcome_choices(),
        "now": now,
    }
    return render(request, "console/workbench/page.html", context)


@login_required
@require_POST
def task_close(request: HttpRequest, pk: int) -> HttpResponse:
    """One tap: done with an outcome, or skipped; a note, when written, becomes a
    follow-up note on the customer."""
    staff = current_staff(request.user)
    if staff is None:
        raise PermissionDenied
    try:
        action = request.POST.get("action", "done")
        note = parse_text(request.POST, "note", max_length=200)
        if action == "skip":
            task = skip_task(pk, note=note, by=staff)
        elif action == "done":
            outcome = request.POST.get("outcome") or Outcome.REACHED
            if outcome not in {o.value for o in DONE_OUTCOMES}:
                raise BadParameter("outcome", _("Choose what came of it"))
            task = finish_task(pk, outcome, note=note, by=staff)
        else:
            raise BadParameter("action", _("Choose done or skip"))
    except BadParameter as exc:
        return bad_parameter_response(exc)
    except TaskRefused:
        raise Http404 from None
    if note:
        add_note(task.customer_id, staff, note, task_id=task.pk)
    if request.headers.get("HX-Request"):
        return render(request, "console/workbench/_closed.html", {"task": task})
    messages.success(request, _("Task closed."))
    return redirect("console:workbench")


@login_required
@require_POST
def note_add(request: HttpRequest, pk: int) -> HttpResponse:
    staff = current_staff(request.user)
    if staff is None:
        raise PermissionDenied
    if not visible_customers(request.user).filter(pk=pk).exists():
        raise Http404
    try:
        text = parse_text(request.POST, "text", max_length=MAX_NOTE)
        if not text:
            raise BadParameter("text", _("Write the note"))
    except BadParameter as exc:
        return bad_parameter_response(exc)
    add_note(pk, staff, text)
    messages.success(request, _("Note saved."))
    # Back to the 360 page it was written on, or to the workbench: never a given URL.
    if request.POST.get("back") == "workbench":
        return redirect("console:workbench")
    return redirect("console:customer_detail", pk=pk)


@login_required
@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    try:
        after = parse_id(request.GET, "before")
    except BadParameter as exc:
        return bad_parameter_response(exc)
    rows = loss_alerts(request.user).order_by("-pk")
    if after is not None:
        rows = rows.filter(pk__lt=after)
    page = list(rows[: ALERT_PAGE + 1])
    context = {
        "section": "workbench",
        "alerts": page[:ALERT_PAGE],
        "more": page[ALERT_PAGE - 1].pk if len(page) > ALERT_PAGE else None,
    }
    return render(request, "console/workbench/alerts.html", context)


@login_required
@require_POST
def alert_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    if not loss_alerts(request.user).filter(pk=pk).exists():
        raise Http404
    resolve_alert(pk)
    return redirect("console:workbench_alerts")
