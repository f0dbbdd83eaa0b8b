"""Member-centre privacy endpoints (`/member/privacy/…`): the customer raises her own
requests and downloads her archive. Called by the mini-program / H5 page, so no API key:
the signed member reference (siyu/customers/member_ref.py) in ``X-Member-Ref`` says who
she is, and a reference that does not verify is a 401."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from siyu.access.schemas import InvalidOut
from siyu.core.audit import record_audit
from siyu.core.params import ApiId
from siyu.customers.member_ref import HEADER, member_id
from siyu.customers.models import Customer, CustomerStatus
from siyu.privacy.models import ExportArchive, PrivacyRequest, RaisedBy, RequestKind
from siyu.privacy.requests import RequestRefused, answer_request, raise_request

router = Router(tags=["member privacy"])


class NotAMember(Exception):
    """No member reference, or one that does not verify: 401."""


def member_of(request: HttpRequest) -> Customer:
    # Keyless like the mini-program login (the phone cannot keep a secret): the signed
    # member reference is the credential, checked here rather than by an API-key auth.
    customer_id = member_id(request.headers.get(HEADER))
    if customer_id is None:
        raise NotAMember
    found = Customer.objects.filter(pk=customer_id, status=CustomerStatus.ACTIVE).first()
    if found is None:
        raise NotAMember
    return found


def _unauthorized() -> Status[Any]:
    return Status(401, {"detail": _("sign in to the member centre again")})


class RequestIn(Schema):
    kind: Literal["access", "correction", "deletion", "withdrawal"]
    purpose: Literal["", "marketing", "analysis", "ugc_reuse"] = Field(
        "", description="For a withdrawal: the purpose consent is withdrawn for."
    )


class ListIn(Schema):
    limit: int = Field(50, ge=1, le=100, description="Most recent requests first.")


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


ERRORS: dict[int, Any] = {401: ErrorOut, 413: ErrorOut, 422: InvalidOut}


@router.post(
    "/member/privacy/requests",
    auth=None,
    response={201: RequestOut, 400: ErrorOut, **ERRORS},
    description=f"The member's own privacy request; the member reference in `{HEADER}`.",
)
def raise_own_request(request: HttpRequest, body: RequestIn) -> Status[Any]:
    try:
        customer = member_of(request)
    except NotAMember:
        return _unauthorized()
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


@router.get(
    "/member/privacy/requests",
    auth=None,
    response={200: list[RequestOut], **ERRORS},
    description=f"The member's own privacy requests; the member reference in `{HEADER}`.",
)
def list_own_requests(request: HttpRequest, page: Query[ListIn]) -> Status[Any]:
    try:
        customer = member_of(request)
    except NotAMember:
        return _unauthorized()
    rows = PrivacyRequest.objects.filter(customer=customer).order_by("-created_at")[: page.limit]
    return Status(200, [_out(r) for r in rows])


@router.get(
    "/member/privacy/requests/{request_id}/archive",
    auth=None,
    response={200: dict[str, Any], 404: ErrorOut, **ERRORS},
    description=f"The archive answering the member's access request; reference in `{HEADER}`.",
)
def download_own_archive(request: HttpRequest, request_id: ApiId) -> Status[Any]:
    try:
        customer = member_of(request)
    except NotAMember:
        return _unauthorized()
    row = (
        ExportArchive.objects.filter(request_id=request_id, request__customer=customer)
        .order_by("-pk")
        .first()
    )
    if row is None:
        return Status(404, {"detail": _("no archive for this request yet")})
    record_audit(None, "privacy.download", "customer", customer.pk, archive=row.pk, by="member")
    return Status(200, json.loads(row.content))
