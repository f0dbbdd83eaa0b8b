"""Mass sends (群发): plan one to a segment or a tag, optionally per owner, with a preview
of who is reached and who is capped or without consent and why; its staff tasks and
their progress; reminders and cancel; the send log."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from siyu.core.clock import brand_zone
from siyu.core.models import Staff
from siyu.core.params import (
    BadParameter,
    bad_parameter_response,
    parse_date,
    parse_id,
    parse_int,
    parse_text,
)
from siyu.core.roles import is_hq
from siyu.customers.models import Customer, Tag
from siyu.customers.scope import visible_customers
from siyu.messaging import queries
from siyu.messaging.lifecycle import request_cancel, request_reminder
from siyu.messaging.models import Channel, Reason, SendPlan, SendStatus, StaffTask
from siyu.messaging.send import Message, Outcome, SendRequest, preview, send
from siyu.segments.models import Membership, Segment


def _audience(user: Any, params: Any) -> tuple[QuerySet[Customer], str]:
    scope = visible_customers(user)
    kind = params.get("audience") or "segment"
    if kind == "tag":
        tag = Tag.objects.filter(pk=parse_id(params, "tag") or 0).first()
        if tag is None:
            raise BadParameter("tag", _("Choose a tag"))
        return scope.filter(tag_links__tag=tag), _("Tag: %(name)s") % {"name": tag.name}
    segment = Segment.objects.filter(pk=parse_id(params, "segment") or 0).first()
    if segment is None:
        raise BadParameter("segment", _("Choose a segment"))
    members = Membership.objects.filter(segment=segment, left_at__isnull=True).values("customer_id")
    return scope.filter(pk__in=members), _("Segment: %(name)s") % {"name": segment.name}


def _when(params: Any) -> datetime | None:
    day = parse_date(params, "day")
    if day is None:
        return None
    hour = parse_int(params, "hour", minimum=0, maximum=23, default=10) or 0
    return datetime.combine(day, time(hour), tzinfo=brand_zone())


def _request(request: HttpRequest) -> SendRequest:
    params = request.POST
    customers, label = _audience(request.user, params)
    text = parse_text(params, "text", max_length=1500)
    if not text:
        raise BadParameter("text", _("Write the message"))
    owner = parse_id(params, "owner")
    staff = getattr(request.user, "staff", None)
    return SendRequest(
        source="console",
        source_id=parse_text(params, "key", max_length=64) or "draft",
        channel=Channel.WECOM_CUSTOMER,
        message=Message(text=text),
        customers=customers,
        owners=[owner] if owner else [],
        at=_when(params),
        title=text[:60],
        audience=label,
        created_by_id=staff.pk if staff else None,
    )


def _reasons(outcome: Outcome) -> list[tuple[str, int]]:
    labels = dict(Reason.choices)
    rows = []
    for key, n in sorted(outcome.counts.items(), key=lambda kv: -kv[1]):
        if key.startswith("blocked:"):
            rows.append((str(labels.get(key.split(":", 1)[1], key)), n))
    return rows


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {
        "plans": queries.recent_plans(),
        "segments": Segment.objects.order_by("name"),
        "tags": Tag.objects.order_by("name")[:500],
        "owners": Staff.objects.filter(is_active=True)
        .exclude(wecom_userid=None)
        .order_by("display_name"),
        "key": f"mass-{timezone.now():%Y%m%d%H%M%S}",
        "can_send": is_hq(request.user),
    }
    if request.method == "POST":
        if not is_hq(request.user):
            raise PermissionDenied
        try:
            req = _request(request)
        except BadParameter as exc:
            return bad_parameter_response(exc)
        if request.POST.get("action") == "send":
            outcome = send(req)
            messages.success(request, _("Planned: %(n)d staff tasks.") % {"n": outcome.tasks})
            assert outcome.plan is not None  # noqa: S101 - send always returns its plan
            return redirect("console:messaging_detail", pk=outcome.plan.pk)
        seen = preview(req)
        context.update(preview=seen, reasons=_reasons(seen), form=request.POST)
    return render(request, "console/messaging/list.html", context)


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(SendPlan, pk=pk)
    labels, states = dict(Reason.choices), dict(SendStatus.choices)
    counts = [
        (states.get(s, s), labels.get(r, r) if r else "", n)
        for s, r, n in queries.plan_counts(plan)
    ]
    context = {
        "plan": plan,
        "tasks": queries.plan_tasks(plan),
        "counts": counts,
        "can_send": is_hq(request.user),
    }
    return render(request, "console/messaging/detail.html", context)


@login_required
@require_POST
def task_remind(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(StaffTask, pk=pk)
    if not is_hq(request.user):
        raise PermissionDenied
    request_reminder(task)
    messages.success(request, _("A reminder is on its way (WeCom allows 3 per task a day)."))
    return redirect("console:messaging_detail", pk=task.plan_id)


@login_required
@require_POST
def plan_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(SendPlan, pk=pk)
    if not is_hq(request.user):
        raise PermissionDenied
    request_cancel(plan)
    messages.success(request, _("Cancelling: what has been sent stays sent."))
    return redirect("console:messaging_detail", pk=plan.pk)


@login_required
def send_log(request: HttpRequest) -> HttpResponse:
    try:
        status = request.GET.get("status", "")
        if status and status not in SendStatus.values:
            raise BadParameter("status", _("Unknown status"))
        after = parse_id(request.GET, "after")
    except BadParameter as exc:
        return bad_parameter_response(exc)
    rows = queries.send_log(status, after)
    context = {
        "rows": rows,
        "status": status,
        "statuses": SendStatus.choices,
        "next": rows[-1].pk if len(rows) == queries.LOG_PAGE else None,
    }
    return render(request, "console/messaging/log.html", context)
