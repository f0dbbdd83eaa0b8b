"""Console pages for layering: RFM layers, value × lifecycle matrix, Pareto curve, the
thresholds form (HQ only) and CSV of every table. Scoped to what the viewer may see."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import ValidationError

from siyu.console.permissions import is_hq
from siyu.core.audit import record_audit
from siyu.customers.scope import visible_customers
from siyu.segments import layering
from siyu.segments.queries import table_csv
from siyu.segments.thresholds import Thresholds, load_thresholds, save_thresholds

LIST_FIELDS = ("recency_days", "frequency", "monetary_fen")
PER_CUSTOMER = ("rfm", "matrix")


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
    scope, now = visible_customers(request.user), timezone.now()
    cells = layering.value_lifecycle_matrix(thresholds, now, scope)
    matrix = [(tier, [c for c in cells if c.value_tier == tier]) for tier in layering.VALUE_TIERS]
    context = {
        "thresholds": thresholds,
        "lists": {name: ", ".join(map(str, getattr(thresholds, name))) for name in LIST_FIELDS},
        "layers": layering.rfm_layers(thresholds, now, scope),
        "stages": [layering.STAGE_LABELS[s] for s in layering.STAGES],
        "matrix": matrix,
        "pareto": layering.pareto_curve(scope),
        "errors": errors,
        "can_edit": is_hq(request.user),
    }
    return render(request, "segments/layering.html", context, status=400 if errors else 200)


@login_required
def layering_csv(request: HttpRequest, table: str) -> HttpResponse:
    thresholds, now = load_thresholds(), timezone.now()
    scope = visible_customers(request.user)
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
        curve = layering.pareto_curve(scope, list(range(1, 101)))
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
