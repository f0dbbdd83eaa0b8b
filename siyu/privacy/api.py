"""Member-centre privacy endpoints (`/member/privacy/…`): the customer raises her own
requests and downloads her archive. Called by the mini-program / H5 page, so no API key:
the signed member reference (siyu/customers/member_ref.py) in ``X-Siyu-Member`` says who
she is, and a reference that does not verify is a 401."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from django.core import signing
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.security import APIKeyHeader

from siyu.core.audit import record_audit
from siyu.core.params import ApiId
from siyu.customers.member_ref import customer_id_from_ref
from siyu.customers.models import Customer, CustomerStatus
from siyu.privacy.models import ExportArchive, PrivacyRequest, RaisedBy, RequestKind
from siyu.privacy.requests import RequestRefused, answer_request, raise_request

router = Router(tags=["member privacy"])


class MemberAuth(APIKeyHeader):
    param_name = "X-Siyu-Member"

    def authenticate(self, request: HttpRequest, key: str | None) -> Customer | None:
        if not key or len(key) > 500:
            return None
        try:
            customer_id = customer_id_from_ref(key)
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            return None
        return Customer.objects.filter(pk=customer_id, status=CustomerStatus.ACTIVE).first()


member = MemberAuth()


class RequestIn(Schema):
    kind: Literal["access", "correction", "deletion", "withdrawal"]
    purpose: Literal["", "marketing", "analysis", "ugc_reuse"] = Field(
        "", description="For a withdrawal: the purpose consent is withdrawn for."
    )


class RequestOut(Schema):
    id: int
    kind: str
    status: str
    due_at: datetime
    created_at: datetime
    done_at: datetime | None


class ErrorOut(Schema):
    detail: str


def _out(r: PrivacyRequest) -> dict[str, Any]:
    fields = ("id", "kind", "status", "due_at", "created_at", "done_at")
    return {f: getattr(r, f) for f in fields}


@router.post("/member/privacy/requests", auth=member, response={201: RequestOut, 400: ErrorOut})
def raise_own_request(request: HttpRequest, body: RequestIn) -> Status[Any]:
    customer: Customer = request.auth  # type: ignore[attr-defined]
    try:
        raised = raise_request(
            customer, body.kind, raised_by=RaisedBy.CUSTOMER, actor=None, purpose=body.purpose
        )
        if raised.kind == RequestKind.WITHDRAWAL:
            # Her own withdrawal needs nobody's review: it stops those sends at once.
            raised = answer_request(raised, actor=None)
    except RequestRefused as exc:
        return Status(400, {"detail": str(exc)})
    return Status(201, _out(raised))


@router.get("/member/privacy/requests", auth=member, response={200: list[RequestOut]})
def list_own_requests(request: HttpRequest) -> Status[Any]:
    customer: Customer = request.auth  # type: ignore[attr-defined]
    rows = PrivacyRequest.objects.filter(customer=customer).order_by("-created_at")[:50]
    return Status(200, [_out(r) for r in rows])


@router.get(
    "/member/privacy/requests/{request_id}/archive",
    auth=member,
    response={200: dict[str, Any], 404: ErrorOut},
)
def download_own_archive(request: HttpRequest, request_id: ApiId) -> Status[Any]:
    customer: Customer = request.auth  # type: ignore[attr-defined]
    row = (
        ExportArchive.objects.filter(request_id=request_id, request__customer=customer)
        .order_by("-pk")
        .first()
    )
    if row is None:
        return Status(404, {"detail": _("no archive for this request yet")})
    record_audit(None, "privacy.download", "customer", customer.pk, archive=row.pk, by="member")
    return Status(200, json.loads(row.content))
