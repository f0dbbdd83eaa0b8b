"""Tracked links: one short code per (send, material, recipient)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from siyu.content.models import Material, MaterialVariant, TrackedLink
from siyu.customers.models import Customer

CODE_BYTES = 6  # 8 URL-safe characters: 2**48 codes, unguessable enough for a read receipt
GROUP_REF = "group:"  # a send into one customer group: "group:<chat_id>:<the send's ref>"


def group_send_ref(chat_id: str, ref: str) -> str:
    """The send ref of a material posted into one group: its links name the group."""
    return f"{GROUP_REF}{chat_id}:{ref}"[:120]


def chat_of_send_ref(send_ref: str) -> str:
    """The group a link was posted into ("" for any other send)."""
    if not send_ref.startswith(GROUP_REF):
        return ""
    return send_ref[len(GROUP_REF) :].split(":", 1)[0]


def ensure_link(
    material: Material,
    variant: MaterialVariant | None,
    send_ref: str,
    customer: Customer | None,
    *,
    sender_id: int | None = None,
) -> TrackedLink:
    """The link of this send for this recipient (None: one link for the whole send)."""
    recipient = f"c:{customer.pk}" if customer is not None else "*"
    key = {"send_ref": send_ref[:120], "material": material, "recipient": recipient}
    found = TrackedLink.objects.filter(**key).first()
    if found is not None:
        return found
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return TrackedLink.objects.create(
                    **key,
                    code=secrets.token_urlsafe(CODE_BYTES),
                    variant=variant,
                    customer=customer,
                    sender_id=sender_id,
                    created_at=timezone.now(),
                )
        except IntegrityError:
            found = TrackedLink.objects.filter(**key).first()
            if found is not None:  # a concurrent render of the same send made it
                return found
    raise RuntimeError("could not draw a free link code")  # pragma: no cover


def link_url(link: TrackedLink) -> str:
    return settings.SIYU_PUBLIC_URL + reverse("content:landing", args=[link.code])
