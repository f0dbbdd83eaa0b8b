"""The welcome message on add: one per welcome_code, within WeCom's 20 s window.

WeCom accepts a welcome_code once and only for 20 s after the add event. We claim the code
with a unique row before calling out, so a second delivery of the same event (or a second
worker) never sends twice; 41051 (already welcomed) is final, 41096 (another app is
sending) is retried while the window is still open.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from siyu.channels.models import Channel, WelcomeSend, WelcomeStatus, WelcomeVariant
from siyu.channels.seams import MiniProgramCard, WelcomeMessage, WelcomeOutcome, WelcomeSender
from siyu.core.models import Staff
from siyu.customers.models import Customer

WELCOME_WINDOW = timedelta(seconds=20)
# Leave room for the request itself: a call started at 19.9 s arrives too late.
SAFETY_MARGIN = timedelta(seconds=2)
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)


def pick_variant(channel: Channel, seed: str) -> WelcomeVariant | None:
    """Weighted choice, stable for a seed (a redelivered event picks the same variant)."""
    active = channel.variants.filter(is_active=True).select_related("card")
    variants = [v for v in active if v.weight > 0]
    if not variants:
        return None
    total = sum(v.weight for v in variants)
    point = int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16) % total
    for variant in variants:
        point -= variant.weight
        if point < 0:
            return variant
    return variants[-1]


def welcome_message(variant: WelcomeVariant) -> WelcomeMessage:
    card = variant.card
    if card is not None:  # the library material the variant refers to
        fields = (card.title, card.miniprogram_appid, card.miniprogram_page, card.media_key)
    else:  # a variant made before the library: its inline card
        fields = (
            variant.miniprogram_title,
            variant.miniprogram_appid,
            variant.miniprogram_page,
            variant.miniprogram_cover,
        )
    title, appid, page, cover = fields
    cards: tuple[MiniProgramCard, ...] = ()
    if appid:
        cards = (MiniProgramCard(title=title, appid=appid, page=page, cover=cover),)
    return WelcomeMessage(text=variant.text, cards=cards)


def claim_welcome(
    welcome_code: str,
    *,
    customer: Customer | None,
    channel: Channel | None,
    variant: WelcomeVariant | None,
    staff: Staff | None,
    event_at: datetime,
) -> WelcomeSend | None:
    """Insert the claim row; None if someone already claimed this code."""
    try:
        with transaction.atomic():
            return WelcomeSend.objects.create(
                welcome_code=welcome_code,
                customer=customer,
                channel=channel,
                variant=variant,
                staff=staff,
                event_at=event_at,
            )
    except IntegrityError:
        # A claim whose sender died mid-send (a killed worker) must not stay "sending" for
        # ever: once the window is over nobody can send it, so it failed.
        WelcomeSend.objects.filter(
            welcome_code=welcome_code,
            status=WelcomeStatus.PENDING,
            event_at__lt=timezone.now() - WELCOME_WINDOW,
        ).update(status=WelcomeStatus.FAILED, last_error="interrupted: the sender stopped")
        return None


def _finish(send: WelcomeSend, status: WelcomeStatus, error: str = "") -> WelcomeSend:
    send.status = status
    send.last_error = error[:200]
    if status == WelcomeStatus.SENT:
        send.sent_at = timezone.now()
    send.save(update_fields=["status", "last_error", "sent_at", "attempts", "updated_at"])
    return send


def deliver_welcome(
    send: WelcomeSend,
    message: WelcomeMessage,
    *,
    sender: WelcomeSender,
    now: Callable[[], datetime] = timezone.now,
    sleep: Callable[[float], None] = time.sleep,
) -> WelcomeSend:
    """Call WeCom for a claimed code, retrying 41096 while the window lasts."""
    deadline = send.event_at + WELCOME_WINDOW - SAFETY_MARGIN
    for delay in (*RETRY_DELAYS, None):
        if now() >= deadline:
            return _finish(send, WelcomeStatus.FAILED, "welcome window (20 s) passed")
        send.attempts += 1
        outcome = sender.send_welcome(send.welcome_code, message)
        if outcome == WelcomeOutcome.SENT:
            return _finish(send, WelcomeStatus.SENT)
        if outcome == WelcomeOutcome.ALREADY:
            return _finish(send, WelcomeStatus.ALREADY, "41051 already welcomed")
        if outcome == WelcomeOutcome.FAILED or delay is None:
            break
        if now() + timedelta(seconds=delay) >= deadline:
            break
        sleep(delay)
    return _finish(send, WelcomeStatus.FAILED, "not sent")


def send_welcome(
    welcome_code: str,
    *,
    channel: Channel,
    customer: Customer | None,
    staff: Staff | None,
    event_at: datetime,
    sender: WelcomeSender,
    sleep: Callable[[float], None] = time.sleep,
    variant: WelcomeVariant | None = None,
) -> WelcomeSend | None:
    """Send the channel's welcome once for this code: ``variant`` when given and active
    (the one the channel code names), else the channel's weighted pick. None when there is
    nothing to send (no variant, or the code was already claimed)."""
    if not welcome_code:
        return None
    if variant is None or not variant.is_active:
        variant = pick_variant(channel, welcome_code)
    if variant is None:
        return None
    send = claim_welcome(
        welcome_code,
        customer=customer,
        channel=channel,
        variant=variant,
        staff=staff,
        event_at=event_at,
    )
    if send is None:
        return None
    try:
        return deliver_welcome(send, welcome_message(variant), sender=sender, sleep=sleep)
    except BaseException as exc:
        _finish(send, WelcomeStatus.FAILED, f"interrupted: {type(exc).__name__}")  # not pending
        raise
