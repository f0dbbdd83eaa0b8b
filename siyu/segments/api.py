"""Segment and layering endpoints for integrations (API-key auth, brand-wide like the
customer API; no personal data is returned, only customer ids and figures)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from siyu.access.auth import calling_key, key_auth
from siyu.access.models import Scope
from siyu.access.schemas import DetailOut, responses
from siyu.analytics.readmodel.scope import Filter
from siyu.core.audit import record_audit
from siyu.core.params import ApiAfter, ApiId
from siyu.customers.models import Customer, CustomerStatus
from siyu.segments import layering, queries
from siyu.segments.layering_source import layering_for
from siyu.segments.models import Segment
from siyu.segments.rules import RuleError
from siyu.segments.thresholds import load_thresholds

router = Router(tags=["segments"])
# Layering counts active buyers only, which is the brand scope: no scope clause needed.
READ = key_auth(Scope.SEGMENTS_READ)


def _brand_scope() -> Any:
    # Integration keys act for the whole brand (see siyu/customers/api.py).
    return Customer.objects.filter(status=CustomerStatus.ACTIVE)


def _as_of(day: date | None) -> datetime:
    if day is not None and not layering.EARLIEST_AS_OF <= day <= timezone.localdate():
        message = _("as_of must be a date YYYY-MM-DD between 2000-01-01 and today, not %(value)s")
        raise HttpError(400, message % {"value": day.isoformat()})
    return layering.as_of_moment(day)


class RuleIn(Schema):
    rule: Any = Field(..., description="A rule tree (see the console's segment editor).")


class CountOut(Schema):
    count: int


class SegmentOut(Schema):
    id: int
    name: str
    description: str
    is_active: bool
    member_count: int
    refreshed_at: datetime | None


class MembersOut(Schema):
    customer_ids: list[int]
    next_after: int | None


class LayerOut(Schema):
    key: str
    label: str
    customers: int
    monetary_fen: int


class MatrixCellOut(Schema):
    value_tier: str
    stage: str
    customers: int
    monetary_fen: int


class ParetoPointOut(Schema):
    top_percent: int
    customers: int
    share: float = Field(..., description="Share of net GMV, 0..1.")


class ParetoOut(Schema):
    buyers: int
    net_fen: int
    customers_for_80: float | None = Field(
        ..., description="Smallest share of buyers bringing 80 % of net GMV, 0..1."
    )
    points: list[ParetoPointOut]


class PageIn(Schema):
    after: ApiAfter | None = None
    limit: int = Field(500, ge=1, le=5000)


@router.post("/segments/count", auth=READ, response=responses({200: CountOut}, body=True))
def count_rule(request: HttpRequest, body: RuleIn) -> Any:
    """How many customers match a rule now, without saving it."""
    try:
        live = queries.live_count(body.rule, _brand_scope(), timezone.now(), read=Filter(None))
        return {"count": live.count}
    except RuleError as exc:
        errors = [
            {"index": -1, "field": f"rule.{path}" if path else "rule", "message": message}
            for path, message in exc.errors
        ]
        return Status(422, {"detail": "invalid rule", "rejected": [], "errors": errors})


@router.get("/segments", auth=READ, response=responses({200: list[SegmentOut]}))
def list_segments(request: HttpRequest) -> Any:
    return list(Segment.objects.all())


@router.get(
    "/segments/{segment_id}/members",
    auth=READ,
    response=responses({200: MembersOut, 404: DetailOut}),
)
def segment_members(request: HttpRequest, segment_id: ApiId, page: Query[PageIn]) -> Any:
    """Pages of member ids; each page is audited as an export with the key's name."""
    segment = get_object_or_404(Segment, pk=segment_id)
    rows = queries.member_page(segment, _brand_scope(), page.after, page.limit)
    ids = [m.customer_id for m in rows]
    key = calling_key(request).name
    record_audit(None, "api.segment_members", "segment", segment.pk, api_key=key, rows=len(ids))
    return {"customer_ids": ids, "next_after": ids[-1] if len(ids) == page.limit else None}


@router.get("/layering/rfm", auth=READ, response=responses({200: list[LayerOut], 400: DetailOut}))
def rfm_layers(request: HttpRequest, as_of: date | None = None) -> list[dict[str, Any]]:
    rows = layering_for(load_thresholds(), as_of, _as_of(as_of)).layers()
    return [row.__dict__ for row in rows]


@router.get(
    "/layering/matrix", auth=READ, response=responses({200: list[MatrixCellOut], 400: DetailOut})
)
def value_lifecycle(request: HttpRequest, as_of: date | None = None) -> list[dict[str, Any]]:
    """Buyers per value tier × lifecycle stage, measured at the end of ``as_of`` (a date in
    the brand's zone; default now)."""
    cells = layering_for(load_thresholds(), as_of, _as_of(as_of)).matrix()
    return [cell.__dict__ for cell in cells]


@router.get("/layering/pareto", auth=READ, response=responses({200: ParetoOut, 400: DetailOut}))
def pareto(request: HttpRequest, as_of: date | None = None) -> dict[str, Any]:
    curve = layering_for(load_thresholds(), as_of, _as_of(as_of)).pareto()
    return {
        "buyers": curve.buyers,
        "net_fen": curve.net_fen,
        "customers_for_80": curve.customers_for_80,
        "points": [p.__dict__ for p in curve.points],
    }
