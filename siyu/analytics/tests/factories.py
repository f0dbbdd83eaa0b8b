"""Builders for analytics tests, through the customer verbs like the product itself."""

from __future__ import annotations

from datetime import date, datetime, time
from itertools import count

from django.utils import timezone

from siyu.channels.models import Channel, ChannelKind, ChannelSpend
from siyu.channels.spend import record_spend
from siyu.core.models import OrgUnit, Staff
from siyu.customers.events import record_event
from siyu.customers.follows import follow_customer
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.models import Customer
from siyu.customers.orders import OrderInput, RefundInput, import_order
from siyu.customers.profiles import upsert_customer
from siyu.customers.tagging import add_tag, ensure_tag

_seq = count(1)


def noon(day: date) -> datetime:
    """Midday in the brand's zone: far from any day or month boundary."""
    return timezone.make_aware(datetime.combine(day, time(12)), timezone.get_default_timezone())


def customer(
    name: str,
    acquired: date,
    *,
    channel: str | None = None,
    unit: OrgUnit | None = None,
    wecom: bool = False,
    tags: tuple[tuple[str, str], ...] = (),
) -> Customer:
    n = next(_seq)
    identities = [IdentityInput("phone", f"1390000{n:04d}")]
    if wecom:
        identities.append(IdentityInput("wecom_external_userid", f"wmTest{n:06d}", "corp1"))
    fields: dict[str, object] = {"display_name": name}
    if unit is not None:
        fields["org_unit"] = unit
    c = upsert_customer(identities, fields=fields, source="test", at=noon(acquired))
    if channel:
        add_tag(c, ensure_tag("渠道", channel), source="channel")
    for group, tag in tags:
        add_tag(c, ensure_tag(group, tag), source="manual")
    return c


def order(c: Customer, day: date, yuan: int, *, refund_yuan: int = 0) -> None:
    n = next(_seq)
    refunds = (RefundInput(f"r{n}", refund_yuan * 100, noon(day)),) if refund_yuan else ()
    import_order(
        c,
        OrderInput(
            platform="miniprogram",
            order_no=f"T{n}",
            paid_at=noon(day),
            total_fen=yuan * 100,
            paid_fen=yuan * 100,
            refunds=refunds,
        ),
    )


def event(c: Customer, kind: str, day: date) -> None:
    n = next(_seq)
    record_event(
        c, type=kind, occurred_at=noon(day), properties={}, source="test", idempotency_key=f"e{n}"
    )


def follow(c: Customer, staff: Staff, day: date) -> None:
    follow_customer(c, staff, at=noon(day))


def spend(channel: str, start: date, end: date, amount_fen: int) -> ChannelSpend:
    """Spend for the channel whose customers carry the 渠道 tag of the same name."""
    row, _ = Channel.objects.get_or_create(name=channel, defaults={"kind": ChannelKind.AD_CAMPAIGN})
    return record_spend(row, period_start=start, period_end=end, amount_fen=amount_fen)
