"""Rotation across a code's staff with a daily cap per staff and a fallback.

WeCom itself spreads scans over a multi-user contact way; it knows nothing of caps. So after
every add we count today's adds per staff and push a new user list (update_contact_way)
when someone reached the cap — and again at the start of a day, when everyone is back.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from siyu.channels.models import ChannelCode, CodeStatus, Touch
from siyu.channels.seams import ContactWayGateway, ContactWaySpec
from siyu.core.clock import day_of


def local_day_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The brand's calendar day containing ``now`` (caps reset at local midnight)."""
    day = day_of(now)
    return day.start, day.end


def adds_today(code: ChannelCode, now: datetime) -> dict[int, int]:
    start, end = local_day_bounds(now)
    rows = (
        Touch.objects.filter(code=code, occurred_at__gte=start, occurred_at__lt=end)
        .values("staff_id")
        .annotate(n=Count("id"))
    )
    return {r["staff_id"]: r["n"] for r in rows if r["staff_id"] is not None}


def eligible_userids(code: ChannelCode, now: datetime) -> list[str]:
    members = [
        m.staff
        for m in code.members.select_related("staff")
        if m.staff.is_active and m.staff.wecom_userid
    ]
    everyone = [s.wecom_userid for s in members if s.wecom_userid]
    if code.daily_cap is None:
        return everyone
    counts = adds_today(code, now)
    under = [
        s.wecom_userid for s in members if s.wecom_userid and counts.get(s.pk, 0) < code.daily_cap
    ]
    if under:
        return under
    fallback = code.fallback_staff
    if fallback is not None and fallback.wecom_userid:
        return [fallback.wecom_userid]
    # Everyone capped and no fallback: a contact way cannot have an empty user list, and
    # turning customers away is worse than going over a soft cap.
    return everyone


def rotate_code(
    code: ChannelCode, *, gateway: ContactWayGateway, now: datetime | None = None
) -> bool:
    """Push the eligible staff to WeCom if it changed. True when an update was sent."""
    now = now or timezone.now()
    with transaction.atomic():
        # Row lock: two adds finishing together must not push lists in the wrong order.
        code = ChannelCode.objects.select_for_update().select_related("channel").get(pk=code.pk)
        if code.status == CodeStatus.DELETED or not code.config_id:
            return False
        userids = eligible_userids(code, now)
        if userids == list(code.active_userids):
            return False
        spec = ContactWaySpec(code.state, tuple(userids), code.skip_verify, code.channel.name)
        gateway.update_contact_way(code.config_id, spec)
        code.active_userids = userids
        code.save(update_fields=["active_userids", "updated_at"])
        return True


def rotate_all_codes(*, gateway: ContactWayGateway, now: datetime | None = None) -> int:
    """Run at the start of each day: capped staff come back onto their codes."""
    changed = 0
    codes = ChannelCode.objects.filter(status=CodeStatus.ACTIVE, daily_cap__isnull=False)
    for code in codes.only("pk"):
        changed += rotate_code(code, gateway=gateway, now=now)
    return changed
