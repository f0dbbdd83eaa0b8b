"""Reads behind the customer 360 page: one profile, its identities, tags, follows,
consents and a single timeline of events, orders (with refunds) and merges."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q
from django.utils.translation import gettext as _

from siyu.channels.models import ChannelCode
from siyu.console.event_labels import Names, describe_event, event_title
from siyu.console.templatetags.console_labels import merge_reason
from siyu.core.models import Staff
from siyu.core.pii import decrypt_pii, mask_email, mask_name, mask_text
from siyu.customers.identity_labels import IDENTITY_LABELS
from siyu.customers.identity_rules import RULES
from siyu.customers.models import (
    Consent,
    Customer,
    CustomerFollow,
    CustomerStatus,
    CustomerTag,
    Event,
    Identity,
    IdentityStatus,
    MergeRecord,
    Order,
    Tag,
    TagKind,
)
from siyu.customers.scope import visible_customers

TIMELINE_LIMIT = 100
MAX_MERGE_HOPS = 20


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str  # event / order / refund / merge
    title: str
    detail: str = ""
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class IdentityRow:
    type: str
    label: str
    namespace: str
    shown_value: str
    shared: bool
    source: str
    created_at: dt.datetime


def find_customer(
    user: AbstractBaseUser | AnonymousUser, pk: int
) -> tuple[Customer | None, int | None]:
    """(customer, None) when visible; (None, survivor id) when merged into a visible
    survivor; (None, None) otherwise, which the view turns into a 404."""
    visible = visible_customers(user)
    customer = visible.select_related("primary_owner", "org_unit").filter(pk=pk).first()
    if customer is not None:
        return customer, None
    current = Customer.objects.filter(pk=pk).values("status", "merged_into_id").first()
    hops = 0
    while current and current["status"] == CustomerStatus.MERGED and hops < MAX_MERGE_HOPS:
        target = current["merged_into_id"]
        if target is None:
            break
        if visible.filter(pk=target).exists():
            return None, target
        current = Customer.objects.filter(pk=target).values("status", "merged_into_id").first()
        hops += 1
    return None, None


def masked_phone(customer: Customer) -> str:
    return f"*******{customer.phone_last4}" if customer.phone_last4 else ""


def identity_rows(customer: Customer) -> list[IdentityRow]:
    return [
        IdentityRow(
            ident.type,
            str(IDENTITY_LABELS.get(ident.type, ident.type)),
            ident.namespace,
            shown_identity(ident),
            ident.status == IdentityStatus.SHARED,
            ident.source,
            ident.created_at,
        )
        for ident in Identity.objects.filter(customer=customer).order_by("type", "id")
    ]


def shown_identity(ident: Identity) -> str:
    rule = RULES.get(ident.type)
    if rule is None or not rule.pii:
        return ident.value
    if ident.type == "phone":
        return f"*******{ident.last4}" if ident.last4 else "***"
    if ident.type == "email" and ident.value_encrypted:
        return mask_email(decrypt_pii(ident.value_encrypted))
    return "***"


def revealed_pii(customer: Customer) -> dict[str, Any]:
    """Plaintext personal data for the "show" button; the caller writes the audit record."""
    phones = [
        decrypt_pii(i.value_encrypted)
        for i in Identity.objects.filter(customer=customer, type="phone").order_by("id")
        if i.value_encrypted
    ]
    return {"real_name": customer.real_name, "address": customer.address, "phones": phones}


def masked_pii(customer: Customer) -> dict[str, Any]:
    phone = masked_phone(customer)
    return {
        "real_name": mask_name(customer.real_name),
        "address": mask_text(customer.address),
        "phones": [phone] if phone else [],
    }


def tag_links(customer: Customer) -> list[CustomerTag]:
    return list(
        CustomerTag.objects.filter(customer=customer)
        .select_related("tag__group")
        .order_by("tag__group__sort_order", "tag_id")
    )


def addable_tags(customer: Customer, links: list[CustomerTag]) -> list[Tag]:
    taken = {link.tag_id for link in links}
    manual = Tag.objects.filter(kind=TagKind.MANUAL).select_related("group")
    return [t for t in manual.order_by("group__sort_order", "name") if t.pk not in taken]


def follows(customer: Customer) -> list[CustomerFollow]:
    return list(
        CustomerFollow.objects.filter(customer=customer)
        .select_related("staff")
        .order_by("ended_at", "created_at")
    )


def consents(customer: Customer) -> tuple[list[Consent], list[Consent]]:
    """(current decision per purpose, full history newest first). Append-only rows, so
    the newest row per purpose is the current decision."""
    history = list(Consent.objects.filter(customer=customer).order_by("-occurred_at", "-id"))
    current: dict[str, Consent] = {}
    for row in history:
        current.setdefault(row.purpose, row)
    return sorted(current.values(), key=lambda c: c.purpose), history


def timeline(customer: Customer) -> list[TimelineEntry]:
    entries = event_entries(customer) + order_entries(customer) + merge_entries(customer)
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:TIMELINE_LIMIT]


WELCOME_WINDOW = dt.timedelta(hours=24)


def event_entries(customer: Customer) -> list[TimelineEntry]:
    """The customer's latest events in words; staff and channel names come from two
    lookups for the whole page, never one per event."""
    events = list(Event.objects.filter(customer=customer).order_by("-occurred_at")[:TIMELINE_LIMIT])
    names = _names(events)
    welcomes = [e.occurred_at for e in events if e.type == "welcome_message_sent"]
    entries = []
    for e in events:
        parts = describe_event(e.type, e.properties, names)
        if e.type == "wecom_contact_added" and _welcomed(e.occurred_at, welcomes):
            parts.append(_("welcome message sent"))
        entries.append(
            TimelineEntry(
                e.occurred_at, "event", event_title(e.type, e.properties), " · ".join(parts)
            )
        )
    return entries


def _welcomed(added_at: dt.datetime, welcomes: list[dt.datetime]) -> bool:
    return any(added_at <= w <= added_at + WELCOME_WINDOW for w in welcomes)


def _names(events: list[Event]) -> Names:
    userids: set[str] = set()
    states: set[str] = set()
    for e in events:
        props = e.properties if isinstance(e.properties, dict) else {}
        userids.update(
            str(props[k]) for k in ("user_id", "from_user_id", "to_user_id") if props.get(k)
        )
        if props.get("state"):
            states.add(str(props["state"]))
    staff = (
        dict(
            Staff.objects.filter(wecom_userid__in=userids).values_list(
                "wecom_userid", "display_name"
            )
        )
        if userids
        else {}
    )
    channels = (
        dict(ChannelCode.objects.filter(state__in=states).values_list("state", "channel__name"))
        if states
        else {}
    )
    return Names(staff={str(k): v for k, v in staff.items()}, channels=channels)


def yuan(fen: int) -> str:
    return f"¥{fen / 100:,.2f}"


def order_entries(customer: Customer) -> list[TimelineEntry]:
    orders = (
        Order.objects.filter(customer=customer)
        .prefetch_related("lines", "refunds")
        .order_by("-paid_at")[:TIMELINE_LIMIT]
    )
    entries: list[TimelineEntry] = []
    for order in orders:
        lines = [f"{ln.product_name} × {ln.quantity}" for ln in order.lines.all()]
        title = _("Order %(no)s on %(platform)s") % {
            "no": order.order_no,
            "platform": order.get_platform_display(),
        }
        entries.append(TimelineEntry(order.paid_at, "order", title, yuan(order.paid_fen), lines))
        for refund in order.refunds.all():
            text = _("Refund %(no)s of order %(order)s") % {
                "no": refund.refund_no,
                "order": order.order_no,
            }
            entries.append(
                TimelineEntry(refund.refunded_at, "refund", text, "−" + yuan(refund.amount_fen))
            )
    return entries


def merge_entries(customer: Customer) -> list[TimelineEntry]:
    records = MergeRecord.objects.filter(Q(survivor=customer) | Q(merged=customer)).order_by("-id")
    entries = []
    for record in records[:TIMELINE_LIMIT]:
        title = _("Profile #%(merged)s merged into #%(survivor)s") % {
            "merged": record.merged_id,
            "survivor": record.survivor_id,
        }
        detail = merge_reason(record.reason)
        if record.undone_at:
            detail = _("%(reason)s (undone)") % {"reason": detail}
        entries.append(TimelineEntry(record.created_at, "merge", title, detail))
    return entries
