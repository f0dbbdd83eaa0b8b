"""Small builders for referral tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone

from siyu.customers.events import record_event
from siyu.customers.models import Customer, Order
from siyu.customers.orders import OrderInput, RefundInput, import_order
from siyu.referrals.feed import poll_changes
from siyu.referrals.models import Programme, ProgrammeKind, Qualifier

T0 = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
ADD = "wecom_contact_added"
_seq = itertools.count(1)


def make_person(name: str = "") -> Customer:
    return Customer.objects.create(display_name=name or f"p{next(_seq)}", created_at=timezone.now())


def make_programme(**fields: Any) -> Programme:
    defaults: dict[str, Any] = {
        "name": "邀请有礼",
        "kind": ProgrammeKind.REFERRAL,
        "qualifier": Qualifier.EVENT,
        "event_type": ADD,
        "inviter_points": 100,
        "invitee_points": 50,
        "hold_days": 7,
        "created_at": T0,
    }
    defaults.update(fields)
    return Programme.objects.create(**defaults)


def add_with_state(customer: Customer, state: str, *, at: datetime = T0, type: str = ADD) -> None:
    """A recorded WeCom add (or any event) carrying ``state``."""
    record_event(
        customer, type=type, occurred_at=at, properties={"state": state},
        source="test", idempotency_key=f"add:{next(_seq)}",
    )  # fmt: skip


def event(customer: Customer, type: str, *, at: datetime = T0, **props: Any) -> None:
    record_event(
        customer, type=type, occurred_at=at, properties=props, source="test",
        idempotency_key=f"ev:{next(_seq)}",
    )  # fmt: skip


def buy(customer: Customer, paid_fen: int, *, at: datetime = T0, no: str = "") -> Order:
    order, _ = import_order(
        customer,
        OrderInput(
            platform="miniprogram",
            order_no=no or f"o{next(_seq)}",
            paid_at=at,
            total_fen=paid_fen,
            paid_fen=paid_fen,
        ),
    )
    return order


def refund(customer: Customer, order: Order, amount_fen: int, *, at: datetime) -> None:
    import_order(
        customer,
        OrderInput(
            platform=order.platform, order_no=order.order_no, paid_at=order.paid_at,
            total_fen=order.total_fen, paid_fen=order.paid_fen,
            refunds=(RefundInput(f"r{next(_seq)}", amount_fen, at),),
        ),
    )  # fmt: skip


def drain() -> int:
    """Run the referral feed consumer until it has nothing left."""
    total = 0
    while n := poll_changes():
        total += n
    return total


def days(n: int) -> timedelta:
    return timedelta(days=n)
