"""Journeys in the console: the list (entered, active, converted, lift against the
holdout), shipped templates to install, and the builder: the flow diagram rendered as SVG,
a side panel per step, the publish-time problems shown before publishing, counts per step."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from siyu.analytics.tables import yuan
from siyu.core.params import BadParameter, bad_parameter_response, parse_int, parse_text
from siyu.core.roles import is_hq
from siyu.customers.models import Tag
from siyu.journeys import versions
from siyu.journeys.drafts import (
    FIELD_LABELS,
    NODE_H,
    NODE_W,
    SETTINGS,
    TYPE_LABELS,
    DraftError,
    add_step,
    layout,
    remove_step,
    set_step,
    step_names,
)
from siyu.journeys.graph import TYPES, exit_names, validate
from siyu.journeys.models import Journey
from siyu.journeys.stats import Summary, customer_journeys, running, step_counts, summarize
from siyu.journeys.templates import SHIPPED, install

INT_MAX = 10_000_000


def _editor(request: HttpRequest) -> None:
    if not is_hq(request.user):
        raise PermissionDenied


@login_required
def journey_list(request: HttpRequest) -> HttpResponse:
    journeys = Journey.objects.exclude(status="archived").order_by("-pk")[:100]
    context: dict[str, Any] = {
        "section": "journeys",
        "summaries": [summarize(j) for j in journeys],
        "shipped": SHIPPED.values(),
        "can_edit": is_hq(request.user),
    }
    return render(request, "console/journeys/list.html", context)


@login_required
@require_POST
def journey_install(request: HttpRequest, key: str) -> HttpResponse:
    _editor(request)
    if key not in SHIPPED:
        raise Http404
    journey = install(key)
    return redirect("console:journey_detail", pk=journey.pk)


def _panel(journey: Journey, key: str) -> dict[str, Any] | None:
    step = (journey.draft.get("steps") or {}).get(key)
    if step is None:
        return None
    names = exit_names(step)
    return {
        "key": key,
        "step": step,
        "label": TYPE_LABELS.get(step["type"], ""),
        "exits": [
            (n, FIELD_LABELS.get(n, n), step.get(n, ""))
            for n in names
            if not n.startswith("paths.")
        ],
        "settings": [
            (n, FIELD_LABELS.get(n, n), step.get(n, ""))
            for n in SETTINGS
            if n in step or n in _SUGGESTED.get(step["type"], ())
        ],
    }


_SUGGESTED: dict[str, tuple[str, ...]] = {
    "wait": ("seconds",), "wait_until": ("hour", "minute"), "wait_event": ("event", "timeout"),
    "send": ("text",), "task": ("title",), "tag": ("tag_id",), "field": ("field", "value"),
    "webhook": ("url",), "move": ("journey_id",), "coupon": ("coupon_id",), "points": ("points",),
    "material": ("material_id",), "group_post": ("text", "post_kind", "group_type", "material_id"),
}  # fmt: skip


def _revenue_lift(summary: Summary) -> dict[str, str]:
    """Revenue per head against the holdout, in yuan, with its 95 % interval."""
    shown = {"total": yuan(summary.revenue_fen)}
    if summary.revenue_lift is not None:
        lift = summary.revenue_lift
        shown |= {"estimate": yuan(lift.estimate), "low": yuan(lift.low), "high": yuan(lift.high)}
    return shown


@login_required
def journey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    journey = get_object_or_404(Journey, pk=pk)
    try:
        selected = parse_text(request.GET, "step", max_length=40)
    except BadParameter as exc:
        return bad_parameter_response(exc)
    nodes, edges, width, height = layout(journey.draft or {})
    counts, summary = step_counts(journey), summarize(journey)
    names = step_names(journey.draft or {})
    for c in counts.values():
        c.step = names.get(c.step, c.step)
    context: dict[str, Any] = {
        "section": "journeys",
        "journey": journey,
        "summary": summary,
        "nodes": nodes, "edges": edges, "width": width, "height": height,
        "node_w": NODE_W, "node_h": NODE_H,
        "problems": validate(journey.draft),
        "panel": _panel(journey, selected),
        "counts": [
            (c, yuan(c.revenue_fen), yuan(c.against_holdout_fen))
            for c in sorted(counts.values(), key=lambda c: c.step)
        ],
        "revenue": _revenue_lift(summary),
        "types": [(t, TYPE_LABELS.get(t, t)) for t in sorted(TYPES)],
        "step_keys": list(names.items()),
        "tags": Tag.objects.order_by("pk")[:200],
        "can_edit": is_hq(request.user),
    }  # fmt: skip
    return render(request, "console/journeys/detail.html", context)


@login_required
@require_POST
def journey_step_add(request: HttpRequest, pk: int) -> HttpResponse:
    _editor(request)
    journey = get_object_or_404(Journey, pk=pk)
    try:
        kind = parse_text(request.POST, "type", max_length=20)
        after = parse_text(request.POST, "after", max_length=40)
        key = add_step(journey, kind, after=after)
    except BadParameter as exc:
        return bad_parameter_response(exc)
    except DraftError:
        return bad_parameter_response(BadParameter("type", _("Choose a step type.")))
    return redirect(f"{journey_url(journey)}?step={key}")


def journey_url(journey: Journey) -> str:
    from django.urls import reverse

    return reverse("console:journey_detail", kwargs={"pk": journey.pk})


def _values(request: HttpRequest, step: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in exit_names(step):
        if name in request.POST and not name.startswith("paths."):
            out[name] = parse_text(request.POST, name, max_length=40)
    for name, kind in SETTINGS.items():
        if name not in request.POST:
            continue
        if kind == "int":
            out[name] = parse_int(request.POST, name, maximum=INT_MAX, default=0)
        else:
            out[name] = parse_text(request.POST, name, max_length=2000)
    return out


@login_required
@require_POST
def journey_step_save(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    _editor(request)
    journey = get_object_or_404(Journey, pk=pk)
    step = (journey.draft.get("steps") or {}).get(key)
    if step is None:
        raise Http404
    try:
        if request.POST.get("remove"):
            remove_step(journey, key)
            return redirect(journey_url(journey))
        set_step(journey, key, _values(request, step))
    except BadParameter as exc:
        return bad_parameter_response(exc)
    except DraftError:
        return bad_parameter_response(BadParameter(key, _("That step does not exist.")))
    return redirect(f"{journey_url(journey)}?step={key}")


@login_required
@require_POST
def journey_move(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    _editor(request)
    journey = get_object_or_404(Journey, pk=pk)
    if action == "publish":
        try:
            version = versions.publish(journey)
        except versions.NotPublishable as exc:
            for problem in exc.problems:
                messages.error(request, str(problem))
        else:
            messages.success(request, _("Version %(n)d is running.") % {"n": version.number})
    elif action == "pause":
        versions.pause(journey)
    elif action == "resume":
        versions.resume(journey, retime=request.POST.get("retime") == "1")
    elif action == "archive":
        versions.archive(journey)
    else:
        raise Http404
    return redirect(journey_url(journey))


@login_required
def journeys_running(request: HttpRequest) -> HttpResponse:
    """The first screen's block, loaded by htmx after the page: running journeys, their
    counts per step and lift (the page itself keeps its fixed number of queries)."""
    blocks = [(s, sorted(step_counts(s.journey).values(), key=lambda c: c.step)) for s in running()]
    return render(request, "console/journeys/_running.html", {"blocks": blocks})


@login_required
def customer_journeys_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The 360 page's panel (loaded by htmx): which journeys, which step, what happened when.
    The customer is looked up as the 360 page does, so a salesperson sees only her own."""
    from siyu.console import customer360 as c360

    customer, _survivor = c360.find_customer(request.user, pk)
    if customer is None:
        raise Http404
    return render(
        request, "console/journeys/_customer.html", {"rows": customer_journeys(customer.pk)}
    )
