"""Console pages for segments: list, editor with a live count, detail, snapshot, export."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from siyu.analytics.readmodel.scope import read_filter
from siyu.core.audit import record_audit
from siyu.core.params import BadParameter, bad_parameter_response, parse_after
from siyu.core.roles import is_hq
from siyu.customers.scope import visible_customers
from siyu.segments import queries
from siyu.segments.builder_form import fields_to_tree
from siyu.segments.define import create_segment, update_segment
from siyu.segments.editor import BUILDER, JSON, editor_context, error_lines, normalised, posted_rule
from siyu.segments.freshness import membership_freshness
from siyu.segments.models import Segment
from siyu.segments.snapshot import take_snapshot
from siyu.segments.tasks import refresh_segment
from siyu.segments.words import (
    RuleNames,
    all_conditions,
    member_reasons,
    reason_conditions,
    rule_words,
)

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
    hq = is_hq(request.user)
    context = {
        "segments": queries.segments_with_counts(scope, brand_wide=hq),
        "can_edit": hq,
        "freshness": membership_freshness(),
    }
    return render(request, "segments/list.html", context)


@login_required
def segment_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    segment = get_object_or_404(Segment, pk=pk) if pk else None
    if request.method == "POST":
        _require_hq(request)
        return _save(request, segment)
    rule = segment.rule if segment else EXAMPLE_RULE
    context = {"segment": segment, "can_edit": is_hq(request.user), **editor_context(rule)}
    return render(request, "segments/edit.html", context)


def _save(request: HttpRequest, segment: Segment | None) -> HttpResponse:
    description = request.POST.get("description", "")
    try:
        rule = posted_rule(request.POST)
        if segment is None:
            segment = create_segment(
                request.POST.get("name", ""), rule, description=description, actor=request.user
            )
        else:
            update_segment(segment, rule=rule, description=description)
    except ValueError as exc:
        context = {
            "segment": segment,
            "errors": error_lines(exc),
            "name": request.POST.get("name", ""),
            "can_edit": True,
            **_redraw(request),
        }
        return render(request, "segments/edit.html", context, status=400)
    messages.success(request, _("Segment saved; members are being computed."))
    return redirect("segments:detail", pk=segment.pk)


def _redraw(request: HttpRequest) -> dict[str, Any]:
    """The editor as it was posted, so a mistake can be corrected in place."""
    if request.POST.get("mode") == BUILDER:
        try:
            return editor_context(fields_to_tree(request.POST))
        except ValueError:
            return editor_context(EXAMPLE_RULE)
    text = request.POST.get("rule", "")
    return editor_context(None, mode=JSON, rule_text=text)


@login_required
@require_POST
def segment_count(request: HttpRequest) -> HttpResponse:
    """The editor's live count (htmx): a fragment with the count or what is wrong."""
    context: dict[str, Any] = {}
    try:
        rule = posted_rule(request.POST)
        scope = visible_customers(request.user)
        live = queries.live_count(rule, scope, timezone.now(), read=read_filter(request.user, None))
        context["count"], context["freshness"] = live.count, live.freshness
        tree = normalised(rule)
        context["words"] = rule_words(tree, RuleNames.for_conditions(all_conditions(tree)))
    except ValueError as exc:
        context["errors"] = error_lines(exc)
    return render(request, "segments/_count.html", context)


@login_required
@require_POST
def segment_convert(request: HttpRequest) -> HttpResponse:
    """Switch the editor between the builder and the JSON text, keeping the rule."""
    target = request.POST.get("to")
    if target not in (BUILDER, JSON):
        return HttpResponseBadRequest(
            _("Unknown editor mode."), content_type="text/plain; charset=utf-8"
        )
    try:
        rule = posted_rule(request.POST)
    except ValueError as exc:
        context = {**_redraw(request), "errors": error_lines(exc)}
        return render(request, "segments/_editor.html", context)
    context = editor_context(rule, mode=JSON) if target == JSON else editor_context(rule)
    return render(request, "segments/_editor.html", context)


@login_required
def segment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    segment = get_object_or_404(Segment, pk=pk)
    scope = visible_customers(request.user)
    try:
        after = parse_after(request.GET)
    except BadParameter as exc:
        return bad_parameter_response(exc)
    members = queries.member_page(segment, scope, after)
    names = RuleNames.for_conditions(
        all_conditions(segment.rule)
        + [c["condition"] for m in members for c in reason_conditions(m.reason)]
    )
    context = {
        "segment": segment,
        "rule_text": json.dumps(segment.rule, ensure_ascii=False, indent=2),
        "rule_words": rule_words(segment.rule, names),
        "rows": [(m, member_reasons(m.reason, names)) for m in members],
        "visible_count": queries.visible_member_count(
            segment, scope, brand_wide=is_hq(request.user)
        ),
        "freshness": membership_freshness(segment),
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
