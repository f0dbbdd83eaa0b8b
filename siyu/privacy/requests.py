"""Privacy requests: raised by an operator or by the customer, answered by one verb per
kind, each step on the request's trail. The due date is ``SIYU_PRIVACY_DUE_DAYS`` (default
15) days after the request is raised."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.customers.identity_rules import IdentityInput, stored_key
from siyu.customers.models import ConsentPurpose, Customer, CustomerStatus, Identity
from siyu.privacy.correct import correct_profile, withdraw_consent
from siyu.privacy.erase import erase_customer
from siyu.privacy.export import store_export
from siyu.privacy.models import PrivacyRequest, RaisedBy, RequestKind, RequestStatus
from siyu.privacy.steps import record_step

Actor = AbstractBaseUser | AnonymousUser | None


class RequestRefused(ValueError):
    """A request that cannot be raised or answered; the message is for the person."""


def find_customer(identity: IdentityInput) -> Customer | None:
    """The live profile holding this identifier (any type), following merges."""
    key = stored_key(identity)
    if key is None:
        return None
    row = (
        Identity.objects.filter(type=key.type, namespace=key.namespace, value__in=key.values)
        .select_related("customer")
        .first()
    )
    customer = row.customer if row else None
    while customer is not None and customer.merged_into_id is not None:
        customer = customer.merged_into
    if customer is None or customer.status != CustomerStatus.ACTIVE:
        return None
    return customer


@transaction.atomic
def raise_request(
    customer: Customer,
    kind: str,
    *,
    raised_by: str,
    actor: Actor,
    purpose: str = "",
) -> PrivacyRequest:
    if kind not in RequestKind.values:
        raise RequestRefused(_("unknown kind of request"))
    if kind == RequestKind.WITHDRAWAL and purpose not in ConsentPurpose.values:
        raise RequestRefused(_("say which purpose the consent is withdrawn for"))
    now = timezone.now()
    request = PrivacyRequest.objects.create(
        customer=customer,
        kind=kind,
        raised_by=raised_by,
        scope={"purpose": purpose} if purpose else {},
        due_at=now + timedelta(days=settings.SIYU_PRIVACY_DUE_DAYS),
        created_at=now,
        updated_at=now,
    )
    record_step(request, "raised", actor, by=raised_by)
    return request


def _close(request: PrivacyRequest, status: str) -> None:
    now = timezone.now()
    request.status, request.done_at, request.updated_at = status, now, now
    request.save(update_fields=["status", "done_at", "updated_at"])


@transaction.atomic
def answer_request(
    request: PrivacyRequest, *, actor: Actor, fields: dict[str, Any] | None = None
) -> PrivacyRequest:
    """Do what the request asks (export, correct ``fields``, erase, withdraw) and close it."""
    request = PrivacyRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != RequestStatus.OPEN:
        raise RequestRefused(_("this request is already closed"))
    if request.kind == RequestKind.ACCESS:
        store_export(request, actor=actor)
    elif request.kind == RequestKind.CORRECTION:
        if not fields:
            raise RequestRefused(_("give the corrected values"))
        correct_profile(request.customer, fields, actor=actor, request=request)
    elif request.kind == RequestKind.DELETION:
        erase_customer(request.customer, actor=actor, request=request)
    else:
        source = "member_centre" if request.raised_by == RaisedBy.CUSTOMER else "operator"
        purpose = str(request.scope.get("purpose", ""))
        withdraw_consent(request.customer, purpose, actor=actor, source=source, request=request)
    _close(request, RequestStatus.DONE)
    return request


@transaction.atomic
def reject_request(request: PrivacyRequest, *, actor: Actor, reason: str) -> PrivacyRequest:
    request = PrivacyRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != RequestStatus.OPEN:
        raise RequestRefused(_("this request is already closed"))
    # The reason is the operator's words to the person: kept short, never personal data.
    record_step(request, "rejected", actor, reason=reason[:200])
    _close(request, RequestStatus.REJECTED)
    return request
