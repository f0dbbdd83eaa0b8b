"""Segment and layering endpoints for integrations (API-key auth, brand-wide like the
customer API; no personal data is returned, only customer ids and figures)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from siyu.core.params import ApiAfter, ApiId
from siyu.customers.models import Customer, CustomerStatus
from siyu.segments import layering, queries
from siyu.segments.models import Segment
from siyu.segments.rules import RuleError
from siyu.segments.thresholds import load_thresholds

router = Router(tags=["segments"])


def _brand_scope() -> Any:
    # Integration keys act for the whole brand (see siyu/customers/api.py).
    return Customer.objects.filter(status=CustomerStatus.ACTIVE)


class RuleIn(Schema):
    rule: Any = Field(..., description="A rule tree (see the console's segment editor).")


class CountOut(Schema):
    count: int


class RuleErrorOut(Schema):
    detail: str
    errors: list[dict[str, str]]


class SegmentOut(Schema):
    id: int
    name: str
    description: str
    is_active: bool
    member_count: int
    refreshed_at: Any


class MembersOut(Schema):
    customer_ids: list[int]
    next_after: int | None


class PageIn(Schema):
    after: ApiAfter | None = None
    limit: int = Field(500, ge=1, le=5000)


@router.post("/segments/count", response={200: CountOut, 422: RuleErrorOut})
def count_rule(request: HttpRequest, body: RuleIn) -> Any:
    """How many customers match a rule now, without saving it."""
    try:
        return {"count": queries.live_count(body.rule, _brand_scope(), timezone.now())}
    except RuleError as exc:
        errors = [{"field": path, "message": message} for path, message in exc.errors]
        return Status(422, {"detail": "invalid rule", "errors": errors})


@router.get("/segments", response=list[SegmentOut])
def list_segments(request: HttpRequest) -> Any:
    return list(Segment.objects.all())


@router.get("/segments/{segment_id}/members", response=MembersOut)
def segment_members(request: HttpRequest, segment_id: ApiId, page: Query[PageIn]) -> Any:
    segment = get_object_or_404(Segment, pk=segment_id)
    rows = queries.member_page(segment, _brand_scope(), page.after, page.limit)
    ids = [m.customer_id for m in rows]
    return {"customer_ids": ids, "next_after": ids[-1] if len(ids) == page.limit else None}


@router.get("/layering/rfm")
def rfm_layers(request: HttpRequest) -> list[dict[str, Any]]:
    rows = layering.rfm_layers(load_thresholds(), timezone.now(), _brand_scope())
    return [row.__dict__ for row in rows]


@router.get("/layering/matrix")
def value_lifecycle(request: HttpRequest) -> list[dict[str, Any]]:
    cells = layering.value_lifecycle_matrix(load_thresholds(), timezone.now(), _brand_scope())
    return [cell.__dict__ for cell in cells]


@router.get("/layering/pareto")
def pareto(request: HttpRequest) -> dict[str, Any]:
    curve = layering.pareto_curve(_brand_scope())
    return {
        "buyers": curve.buyers,
        "net_fen": curve.net_fen,
        "customers_for_80": curve.customers_for_80,
        "points": [p.__dict__ for p in curve.points],
    }
