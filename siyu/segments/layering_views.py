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
from django.utils.translation import gettext_lazy
from pydantic import ValidationError

from siyu.core.audit import record_audit
from siyu.core.csv_export import BOM, arrow_csv
from siyu.core.roles import is_hq
from siyu.segments import layering
from siyu.segments.layering_source import Layering, layering_for
from siyu.segments.queries import table_csv
from siyu.segments.thresholds import Thresholds, load_thresholds, save_thresholds

LIST_FIELDS = ("recency_days", "frequency", "monetary_fen")
# Money a person types and reads in yuan; the thresholds keep integer fen.
YUAN_FIELDS = ("monetary_fen", "value_medium_fen", "value_high_fen")
PER_CUSTOMER = ("rfm", "matrix")
THRESHOLD_LABELS = {
    "rfm_mode": gettext_lazy("RFM mode"),
    "recency_days": gettext_lazy("Recency days"),
    "frequency": gettext_lazy("Frequency"),
    "monetary_fen": gettext_lazy("Monetary (yuan)"),
    "high_score": gettext_lazy("High score"),
    "value_medium_fen": gettext_lazy("Medium value from (yuan)"),
    "value_high_fen": gettext_lazy("High value from (yuan)"),
    "new_days": gettext_lazy("New within days"),
    "active_days": gettext_lazy("Active within days"),
    "churn_days": gettext_lazy("Churned after days"),
}


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
    for name in YUAN_FIELDS:
        if name in data:
            data[name] = _fen(data[name])
    return Thresholds.model_validate(data)


def _fen(value: Any) -> Any:
    """Yuan typed by a person ("300", "299.5") as fen; anything else is left for the
    validator to refuse with its message."""
    if isinstance(value, list):
        return [_fen(v) for v in value]
    try:
        return round(float(str(value)) * 100) if len(str(value)) <= 16 else value
    except (ValueError, OverflowError):
        return value


def _yuan(fen: int) -> str:
    return f"{fen / 100:.2f}" if fen % 100 else str(fen // 100)


def _problems(exc: ValidationError) -> list[str]:
    """Pydantic's errors in the reader's language: the field's label, then what to fix."""
    problems = []
    for e in exc.errors():
        field = str(e["loc"][0]) if e["loc"] else ""
        if e["type"] == "value_error":  # our own rule checks, already translated
            problems.append(str(e["ctx"]["error"]) if "ctx" in e else e["msg"])
        else:
            problems.append(
                _("%(field)s: enter whole numbers (yuan may have two decimals)")
                % {"field": THRESHOLD_LABELS.get(field, field)}
            )
    return problems


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
            errors = _problems(exc)
        else:
            messages.success(request, _("Thresholds saved."))
            return redirect("segments:layering")
    try:
        as_of, now = parse_as_of(request.GET.get("as_of"))
    except BadAsOf as exc:
        return _bad(exc)
    source = layering_for(thresholds, as_of, now, request.user)
    cells = source.matrix()
    matrix = [
        (layering.TIER_LABELS[tier], [c for c in cells if c.value_tier == tier])
        for tier in layering.VALUE_TIERS
    ]
    context = {
        "thresholds": thresholds,
        "lists": {
            "recency_days": ", ".join(map(str, thresholds.recency_days)),
            "frequency": ", ".join(map(str, thresholds.frequency)),
            "monetary": ", ".join(map(_yuan, thresholds.monetary_fen)),
            "value_medium": _yuan(thresholds.value_medium_fen),
            "value_high": _yuan(thresholds.value_high_fen),
        },
        "layers": source.layers(),
        "stages": [layering.STAGE_LABELS[s] for s in layering.STAGES],
        "matrix": matrix,
        "pareto": source.pareto(),
        "freshness": source.freshness(),
        "as_of": as_of,
        "today": timezone.localdate(),
        "errors": errors,
        "can_edit": is_hq(request.user),
    }
    return render(request, "segments/layering.html", context, status=400 if errors else 200)


CSV_HEADERS = {
    "rfm": ["customer_id", "r", "f", "m", "orders", "net_fen", "layer"],
    "matrix": ["customer_id", "value_tier", "stage", "net_fen"],
    "pareto": ["top_percent", "customers", "share_of_net_gmv"],
}


def _csv_rows(source: Layering, table: str) -> list[list[Any]]:
    if table == "rfm":
        return [
            [s.customer_id, s.recency, s.frequency, s.monetary, s.frequency_count,
             s.monetary_fen, s.layer]
            for s in source.scores()
        ]  # fmt: skip
    if table == "matrix":
        return [list(r) for r in source.matrix_rows()]
    curve = source.pareto(list(range(1, 101)))
    return [[p.top_percent, p.customers, f"{p.share:.6f}"] for p in curve.points]


@login_required
def layering_csv(request: HttpRequest, table: str) -> HttpResponse:
    try:
        as_of, now = parse_as_of(request.GET.get("as_of"))
    except BadAsOf as exc:
        return _bad(exc)
    source = layering_for(load_thresholds(), as_of, now, request.user)
    header = CSV_HEADERS.get(table)
    if header is None:
        raise Http404
    columns = source.table(table) if table in PER_CUSTOMER else None
    body = arrow_csv(header, columns) if columns is not None else None
    if body is not None and columns is not None:
        count = columns.num_rows
    else:
        rows = _csv_rows(source, table)
        body, count = table_csv(header, rows).encode(), len(rows)
    if table in PER_CUSTOMER:
        # One row per customer, like a segment export: who took which list is audited.
        record_audit(request.user, "layering_export", "layering", table, rows=count)
    response = HttpResponse(BOM.encode() + body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="layering-{table}.csv"'
    return response
