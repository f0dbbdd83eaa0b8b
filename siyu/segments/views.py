"""Console pages for segments: list, editor with a live count, detail, snapshot, export."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from siyu.core.audit import record_audit
from siyu.core.params import BadParameter, bad_parameter_response, parse_after
from siyu.core.roles import is_hq
from siyu.customers.scope import visible_customers
from siyu.segments import queries
from siyu.segments.define import create_segment, update_segment
from siyu.segments.models import Segment
from siyu.segments.rules import RuleError
from siyu.segments.snapshot import take_snapshot
from siyu.segments.tasks import refresh_segment

EXAMPLE_RULE = {
    "kind": "and",
    "rules": [
        {"kind": "orders", "metric": "frequency", "window_days": 180, "op": ">=", "value": 3},
        {"kind": "orders", "metric": "monetary", "op": ">=", "value": 50000},
        {
            "kind": "not",
            "rule": {"kind": "profile", "field": "lifecycle_stage", "values": ["churned"]},
        },
    ],
}


def _require_hq(request: HttpRequest) -> None:
    if not is_hq(request.user):
        raise PermissionDenied


@login_required
def segment_list(request: HttpRequest) -> HttpResponse:
    scope = visible_customers(request.user)
    context = {"segments": queries.segments_with_counts(scope), "can_edit": is_hq(request.user)}
    return render(request, "segments/list.html", context)


def _rule_errors(exc: ValueError) -> list[str]:
    if isinstance(exc, RuleError):
        return [f"{path}: {message}" if path else message for path, message in exc.errors]
    return [str(exc)]


@login_required
def segment_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    segment = get_object_or_404(Segment, pk=pk) if pk else None
    if request.method == "POST":
        _require_hq(request)
        return _save(request, segment)
    rule_text = json.dumps(segment.rule if segment else EXAMPLE_RULE, ensure_ascii=False, indent=2)
    context = {"segment": segment, "rule_text": rule_text, "can_edit": is_hq(request.user)}
    return render(request, "segments/edit.html", context)


def _save(request: HttpRequest, segment: Segment | None) -> HttpResponse:
    text = request.POST.get("rule", "")
    description = request.POST.get("description", "")
    try:
        rule = queries.parse_rule_text(text)
        if segment is None:
            segment = create_segment(
                request.POST.get("name", ""), rule, description=description, actor=request.user
            )
        else:
            update_segment(segment, rule=rule, description=description)
    except ValueError as exc:
        context = {
            "segment": segment,
            "rule_text": text,
            "errors": _rule_errors(exc),
            "name": request.POST.get("name", ""),
            "can_edit": True,
        }
        return render(request, "segments/edit.html", context, status=400)
    messages.success(request, _("Segment saved; members are being computed."))
    return redirect("segments:detail", pk=segment.pk)


@login_required
@require_POST
def segment_count(request: HttpRequest) -> HttpResponse:
    """The editor's live count (htmx): a fragment with the count or what is wrong."""
    context: dict[str, Any] = {}
    try:
        rule = queries.parse_rule_text(request.POST.get("rule", ""))
        scope = visible_customers(request.user)
        context["count"] = queries.live_count(rule, scope, timezone.now())
    except ValueError as exc:
        context["errors"] = _rule_errors(exc)
    return render(request, "segments/_count.html", context)


@login_required
def segment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    segment = get_object_or_404(Segment, pk=pk)
    scope = visible_customers(request.user)
    try:
        after = parse_after(request.GET)
    except BadParameter as exc:
        return bad_parameter_response(exc)
    members = queries.member_page(segment, scope, after)
    context = {
        "segment": segment,
        "rule_text": json.dumps(segment.rule, ensure_ascii=False, indent=2),
        "visible_count": queries.current_members(segment, scope).count(),
        "members": members,
        "next_after": members[-1].customer_id if len(members) == queries.MEMBER_PAGE else None,
        "snapshots": segment.snapshots.all()[:20],
        "can_edit": is_hq(request.user),
    }
    return render(request, "segments/detail.html", context)


@login_required
@require_POST
def segment_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    _require_hq(request)
    segment = get_object_or_404(Segment, pk=pk)
    refresh_segment.enqueue(segment.pk)
    messages.success(request, _("Refresh started."))
    return redirect("segments:detail", pk=segment.pk)


@login_required
@require_POST
def segment_snapshot(request: HttpRequest, pk: int) -> HttpResponse:
    _require_hq(request)
    segment = get_object_or_404(Segment, pk=pk)
    snapshot = take_snapshot(segment, name=request.POST.get("name", ""), actor=request.user)
    messages.success(request, _("Snapshot of %(n)d members saved.") % {"n": snapshot.member_count})
    return redirect("segments:detail", pk=segment.pk)


@login_required
def segment_export(request: HttpRequest, pk: int) -> HttpResponse:
    segment = get_object_or_404(Segment, pk=pk)
    text, rows = queries.export_members_csv(segment, visible_customers(request.user))
    record_audit(request.user, "segment_export", "segment", segment.pk, rows=rows, masked=True)
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="segment-{segment.pk}.csv"'
    return response
