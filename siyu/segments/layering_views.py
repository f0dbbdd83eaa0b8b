"""Console pages for layering: RFM layers, value × lifecycle matrix, Pareto curve, the
thresholds form (HQ only) and CSV of every table. Scoped to what the viewer may see."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import ValidationError

from siyu.core.audit import record_audit
from siyu.core.roles import is_hq
from siyu.customers.scope import visible_customers
from siyu.segments import layering
from siyu.segments.queries import table_csv
from siyu.segments.thresholds import Thresholds, load_thresholds, save_thresholds

LIST_FIELDS = ("recency_days", "frequency", "monetary_fen")
PER_CUSTOMER = ("rfm", "matrix")


class BadAsOf(ValueError):
    """An as-of date the user can fix (shown in the 400)."""


def parse_as_of(raw: str | None) -> tuple[date | None, datetime]:
    """The as-of date (None: now) and the moment layers are measured at: the end of that
    day in the brand's zone, so a history that ended a while ago can be layered as it
    stood then instead of showing every buyer as churned."""
    raw = (raw or "").strip()
    if not raw:
        return None, timezone.now()
    try:
        day = date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        day = None
    if day is None or not layering.EARLIEST_AS_OF <= day <= timezone.localdate():
        raise BadAsOf(
            _("as_of must be a date YYYY-MM-DD between 2000-01-01 and today, not %(value)s")
            % {"value": raw[:20]}
        )
    return day, layering.as_of_moment(day)


def _bad(exc: BadAsOf) -> HttpResponse:
    return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")


def _thresholds_from_post(post: Any) -> Thresholds:
    data: dict[str, Any] = {k: v for k, v in post.items() if k in Thresholds.model_fields}
    for name in LIST_FIELDS:
        if name in data:
            data[name] = [part.strip() for part in str(data[name]).split(",")]
    return Thresholds.model_validate(data)


@login_required
def layering_page(request: HttpRequest) -> HttpResponse:
    thresholds = load_thresholds()
    errors: list[str] = []
    if request.method == "POST":
        if not is_hq(request.user):
            raise PermissionDenied
        try:
            save_thresholds(_thresholds_from_post(request.POST), actor=request.user)
        except ValidationError as exc:
            errors = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        else:
            messages.success(request, _("Thresholds saved."))
            return redirect("segments:layering")
    try:
        as_of, now = parse_as_of(request.GET.get("as_of"))
    except BadAsOf as exc:
        return _bad(exc)
    scope = visible_customers(request.user)
    cells = layering.value_lifecycle_matrix(thresholds, now, scope)
    matrix = [(tier, [c for c in cells if c.value_tier == tier]) for tier in layering.VALUE_TIERS]
    context = {
        "thresholds": thresholds,
        "lists": {name: ", ".join(map(str, getattr(thresholds, name))) for name in LIST_FIELDS},
        "layers": layering.rfm_layers(thresholds, now, scope),
        "stages": [layering.STAGE_LABELS[s] for s in layering.STAGES],
        "matrix": matrix,
        "pareto": layering.pareto_curve(scope, as_of=now if as_of else None),
        "as_of": as_of,
        "today": timezone.localdate(),
        "errors": errors,
        "can_edit": is_hq(request.user),
    }
    return render(request, "segments/layering.html", context, status=400 if errors else 200)


@login_required
def layering_csv(request: HttpRequest, table: str) -> HttpResponse:
    try:
        as_of, now = parse_as_of(request.GET.get("as_of"))
    except BadAsOf as exc:
        return _bad(exc)
    thresholds, scope = load_thresholds(), visible_customers(request.user)
    if table == "rfm":
        header = ["customer_id", "r", "f", "m", "orders", "net_fen", "layer"]
        rows: list[list[Any]] = [
            [
                s.customer_id,
                s.recency,
                s.frequency,
                s.monetary,
                s.frequency_count,
                s.monetary_fen,
                s.layer,
            ]
            for s in layering.rfm_scores(thresholds, now, scope)
        ]
    elif table == "matrix":
        header = ["customer_id", "value_tier", "stage", "net_fen"]
        rows = [list(r) for r in layering.matrix_rows(thresholds, now, scope)]
    elif table == "pareto":
        header = ["top_percent", "customers", "share_of_net_gmv"]
        curve = layering.pareto_curve(scope, list(range(1, 101)), as_of=now if as_of else None)
        rows = [[p.top_percent, p.customers, f"{p.share:.6f}"] for p in curve.points]
    else:
        raise Http404
    if table in PER_CUSTOMER:
        # One row per customer, like a segment export: who took which list is audited.
        record_audit(request.user, "layering_export", "layering", table, rows=len(rows))
    response = HttpResponse(
        "\ufeff" + table_csv(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="layering-{table}.csv"'
    return response
