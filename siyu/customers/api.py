"""Customer endpoints for integrations: batch ingest and profile lookup by any identifier.

Handlers only translate HTTP to ``siyu.customers.batch`` and back. Integration keys see every
customer of the brand, but this API never returns personal data in plain text: names and
phone numbers are masked, so a leaked key cannot be used to export the customer base.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from siyu.access.auth import calling_key, key_auth
from siyu.access.models import Scope
from siyu.access.schemas import DetailOut, FieldErrorOut, responses
from siyu.core.audit import record_audit
from siyu.core.pii import decrypt_pii, mask_email, mask_name, mask_phone, mask_text
from siyu.customers.batch import BATCH, BatchKind, BatchResult, FieldError, apply_batch
from siyu.customers.identity_rules import IdentityInput, rule_for, stored_key, validate_identity
from siyu.customers.models import (
    Customer,
    CustomerStatus,
    CustomerTag,
    Identity,
    IdentityStatus,
)

router = Router(tags=["customers"])


class BatchIn(Schema):
    # Items stay untyped here so that a bad item is reported by the batch layer with its
    # index and field, in the same shape as every other item error.
    items: list[Any] = Field(..., description="Up to 10,000 items of the endpoint's kind.")
    # Strict: `"partial": 1` or `"partial": "yes"` is a mistake to report, not a guess.
    partial: bool = Field(
        False,
        strict=True,
        description="Write the valid items and report the rest, instead of all-or-nothing.",
    )
    update: bool = Field(
        False,
        description="Orders: correct an order stored with other content (audited) instead of "
        "rejecting it as a conflict.",
    )


class ItemOut(Schema):
    index: int
    customer_id: int
    id: int
    created: bool | None
    outcome: str = Field("", description="Orders: created, unchanged or updated.")


class BatchOut(Schema):
    kind: str
    partial: bool
    applied: int
    created: int
    unchanged: int = Field(0, description="Orders stored before with the same content.")
    updated: int = Field(0, description="Orders given new refunds or corrected (update mode).")
    rejected: list[int]
    items: list[ItemOut]
    errors: list[FieldErrorOut]


class IdentityOut(Schema):
    type: str
    namespace: str
    value: str = Field(..., description="Masked for phone and email.")
    status: str


class TagOut(Schema):
    group: str
    name: str
    source: str
    added_at: datetime


class CustomerOut(Schema):
    id: int
    display_name: str
    real_name: str = Field(..., description="Masked.")
    phone: str = Field(..., description="Masked, e.g. 138****1234.")
    address: str = Field(..., description="Masked.")
    gender: str
    birthday: date | None
    region: str
    occupation: str
    interests: list[str]
    spending_power: str
    lifecycle_stage: str
    org_unit: str | None
    primary_owner: str | None
    created_at: datetime
    updated_at: datetime
    identities: list[IdentityOut]
    tags: list[TagOut]


def _error_out(e: FieldError) -> dict[str, Any]:
    return {"index": e.index, "field": e.field, "message": e.message}


def _batch_response(result: BatchResult) -> Status[dict[str, Any]]:
    errors = [_error_out(e) for e in result.errors]
    if result.errors and not result.applied and not result.partial:
        whole = [e for e in result.errors if e.index == BATCH]
        detail = (
            whole[0].message
            if whole
            else f"{len(result.rejected)} item(s) invalid; nothing was written"
        )
        return Status(422, {"detail": detail, "rejected": result.rejected, "errors": errors})
    items = [
        {
            "index": r.index,
            "customer_id": r.customer_id,
            "id": r.object_id,
            "created": r.created,
            "outcome": r.outcome,
        }
        for r in result.applied
    ]
    body = {
        "kind": result.kind,
        "partial": result.partial,
        "applied": len(result.applied),
        "created": sum(1 for r in result.applied if r.created),
        "unchanged": sum(1 for r in result.applied if r.outcome == "unchanged"),
        "updated": sum(1 for r in result.applied if r.outcome == "updated"),
        "rejected": result.rejected,
        "items": items,
        "errors": errors,
    }
    return Status(200, body)


def _source(request: HttpRequest) -> str:
    return f"api:{calling_key(request).name}"[:40]


def _run(request: HttpRequest, kind: BatchKind, body: BatchIn) -> Status[dict[str, Any]]:
    result = apply_batch(
        kind,
        body.items,
        partial=body.partial,
        source=_source(request),
        update=body.update,
        actor=request.user,
    )
    return _batch_response(result)


BATCH_RESPONSES = responses({200: BatchOut}, body=True)


@router.post(
    "/customers/batch",
    auth=key_auth(Scope.INGEST_PROFILES),
    response=BATCH_RESPONSES,
    summary="Create or update profiles",
)
def customers_batch(request: HttpRequest, body: BatchIn) -> Status[dict[str, Any]]:
    """Items: ``{"identities": [{"type", "value", "namespace"}], ...profile fields}``.
    Identifiers seen together on one item are linked into one profile."""
    return _run(request, "customers", body)


@router.post(
    "/events/batch",
    auth=key_auth(Scope.INGEST_EVENTS),
    response=BATCH_RESPONSES,
    summary="Record events",
)
def events_batch(request: HttpRequest, body: BatchIn) -> Status[dict[str, Any]]:
    """Items: ``{"identities" | "customer_id", "type", "occurred_at", "properties",
    "idempotency_key"}``. The same idempotency key twice records one event."""
    return _run(request, "events", body)


@router.post(
    "/orders/batch",
    auth=key_auth(Scope.INGEST_ORDERS),
    response=BATCH_RESPONSES,
    summary="Import orders",
)
def orders_batch(request: HttpRequest, body: BatchIn) -> Status[dict[str, Any]]:
    """Items: ``{"identities", "platform", "order_no", "paid_at", "total_fen", "paid_fen",
    "lines", "refunds", "store"}``. Amounts in fen. The same platform + order_no twice
    stores one order; refunds not seen before are added."""
    return _run(request, "orders", body)


class LookupIn(Schema):
    type: str = Field(..., max_length=40)
    value: str = Field(..., max_length=256)
    namespace: str = Field("", max_length=64)


class LookupFailed(Exception):
    def __init__(self, status: int, message: str, field: str = "value") -> None:
        super().__init__(message)
        self.status = status
        self.field = field

    def body(self) -> dict[str, Any]:
        if self.status != 422:
            return {"detail": str(self)}
        error = {"index": -1, "field": self.field, "message": str(self)}
        return {"detail": str(self), "rejected": [], "errors": [error]}


@router.get(
    "/customers/lookup",
    auth=key_auth(Scope.LOOKUP),
    response=responses({200: CustomerOut, 404: DetailOut, 409: DetailOut}),
    summary="Find a profile by any identifier",
)
def customers_lookup(request: HttpRequest, q: Query[LookupIn]) -> Status[dict[str, Any]]:
    """Every lookup that reaches the profiles is audited with the key's name, found or not
    (a miss tells the caller as much as a hit), never with the identifier's value."""
    try:
        customer = find_customer(IdentityInput(q.type, q.value, q.namespace))
    except LookupFailed as exc:
        if exc.status != 422:
            _audit_lookup(request, q.type, None, exc.status)
        return Status(exc.status, exc.body())
    _audit_lookup(request, q.type, customer.pk, 200)
    return Status(200, customer_out(customer))


def _audit_lookup(request: HttpRequest, type_: str, customer_id: int | None, status: int) -> None:
    target = ("customer", customer_id) if customer_id else ("identity", type_)
    record_audit(
        None, "api.lookup", *target, api_key=calling_key(request).name, type=type_, status=status
    )


def find_customer(ident: IdentityInput) -> Customer:
    """The live profile holding this identifier, with identities and tags prefetched."""
    identity = _find_identity(ident)
    if identity.status == IdentityStatus.SHARED:
        raise LookupFailed(
            409, "this identifier is shared by several people and identifies no one profile"
        )
    customers = Customer.objects.select_related("org_unit", "primary_owner").prefetch_related(
        "identities",
        Prefetch("tag_links", CustomerTag.objects.select_related("tag__group").order_by("pk")),
    )
    customer = customers.filter(pk=identity.customer_id or 0).first()
    # Merges re-point identities, so a merged profile here is only a race with a merge.
    if customer is not None and customer.status == CustomerStatus.MERGED:
        customer = customers.filter(pk=customer.merged_into_id or 0).first()
    if customer is None or customer.status != CustomerStatus.ACTIVE:
        raise LookupFailed(404, "no customer has this identifier")
    return customer


def _find_identity(ident: IdentityInput) -> Identity:
    # PostgreSQL refuses NUL in a query parameter; answer before it can become a 500.
    if "\x00" in ident.type + ident.value + ident.namespace:
        raise LookupFailed(422, "identifiers must not contain NUL characters")
    try:
        rule_for(ident.type)
    except ValueError as exc:
        raise LookupFailed(422, str(exc), field="type") from exc
    message = validate_identity(ident)
    if message is not None:
        raise LookupFailed(422, message)
    key = stored_key(ident)
    if key is None:
        raise LookupFailed(422, "placeholder values (empty, null, test numbers…) identify no one")
    identity = Identity.objects.filter(
        type=key.type, namespace=key.namespace, value__in=key.values
    ).first()
    if identity is None or identity.customer_id is None:
        raise LookupFailed(404, f"no customer has this {ident.type}")
    return identity


def _masked_identity_value(identity: Identity) -> str:
    if not identity.value_encrypted:
        return identity.value
    plain = decrypt_pii(identity.value_encrypted)
    return mask_phone(plain) if identity.type == "phone" else mask_email(plain)


def customer_out(c: Customer) -> dict[str, Any]:
    identities = sorted(c.identities.all(), key=lambda i: (i.type, i.namespace, i.pk))
    phones = [i for i in identities if i.type == "phone" and i.status == IdentityStatus.LINKED]
    phone = _masked_identity_value(phones[0]) if phones else ""
    return {
        "id": c.pk,
        "display_name": c.display_name,
        "real_name": mask_name(c.real_name),
        "phone": phone,
        "address": mask_text(c.address),
        "gender": c.gender,
        "birthday": c.birthday,
        "region": c.region,
        "occupation": c.occupation,
        "interests": c.interests,
        "spending_power": c.spending_power,
        "lifecycle_stage": c.lifecycle_stage,
        "org_unit": c.org_unit.name if c.org_unit else None,
        "primary_owner": c.primary_owner.display_name if c.primary_owner else None,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "identities": [
            {
                "type": i.type,
                "namespace": i.namespace,
                "value": _masked_identity_value(i),
                "status": i.status,
            }
            for i in identities
        ],
        "tags": [
            {
                "group": link.tag.group.name,
                "name": link.tag.name,
                "source": link.source,
                "added_at": link.created_at,
            }
            for link in c.tag_links.all()
        ],
    }
