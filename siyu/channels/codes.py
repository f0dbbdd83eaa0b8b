"""Create, change, retire and clean up channel codes (WeCom contact ways with a `state`)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.channels.models import (
    STATE_MAX_LENGTH,
    Channel,
    ChannelCode,
    ChannelCodeStaff,
    ChannelKind,
    CodeStatus,
    WelcomeVariant,
)
from siyu.channels.rotation import eligible_userids
from siyu.channels.seams import ContactWayGateway, ContactWaySpec
from siyu.core.models import OrgUnit, Staff
from siyu.customers.models import Tag

# WeCom allows 500,000 API-created contact ways per corp, live or not until deleted.
CONTACT_WAY_QUOTA = 500_000
# Retired codes stay scannable this long (posters still in the wild) before cleanup.
RETIRED_GRACE = timedelta(days=90)
# A multi-user contact way takes at most 100 members.
MAX_STAFF_PER_CODE = 100
STATE_RE = re.compile(r"^[A-Za-z0-9_\-.:]+$")


class ChannelCodeError(ValueError):
    pass


def validate_state(state: str) -> str:
    if not state:
        raise ChannelCodeError(_("state is required"))
    if len(state) > STATE_MAX_LENGTH:
        raise ChannelCodeError(
            _("state is %(n)d characters; WeCom allows %(max)d")
            % {"n": len(state), "max": STATE_MAX_LENGTH}
        )
    if not STATE_RE.match(state):
        raise ChannelCodeError(_("state may only use letters, digits and _ - . :"))
    return state


def new_state(channel: Channel) -> str:
    # "ch<id>-" + 8 random hex: readable in WeCom logs, unique, far under 30 characters.
    return f"ch{channel.pk}-{secrets.token_hex(4)}"


@transaction.atomic
def create_channel(name: str, kind: ChannelKind | str, org_unit: OrgUnit | None = None) -> Channel:
    if kind not in ChannelKind.values:
        raise ChannelCodeError(_("unknown channel kind %(kind)r") % {"kind": kind})
    channel, _created = Channel.objects.get_or_create(
        name=name.strip(), defaults={"kind": kind, "org_unit": org_unit}
    )
    return channel


def _userids(staff: Sequence[Staff]) -> tuple[str, ...]:
    missing = [s.display_name for s in staff if not s.wecom_userid]
    if missing:
        raise ChannelCodeError(
            _("staff without a WeCom userid: %(names)s") % {"names": ", ".join(missing)}
        )
    return tuple(s.wecom_userid for s in staff if s.wecom_userid)


def _check_staff(staff: Sequence[Staff]) -> None:
    if not staff:
        raise ChannelCodeError(_("a channel code needs at least one staff member"))
    if len(staff) > MAX_STAFF_PER_CODE:
        raise ChannelCodeError(
            _("a channel code takes at most %(max)d staff") % {"max": MAX_STAFF_PER_CODE}
        )
    if len({s.pk for s in staff}) != len(staff):
        raise ChannelCodeError(_("the same staff member is listed twice"))


def _same_setup(
    code: ChannelCode,
    staff: Sequence[Staff],
    skip_verify: bool,
    daily_cap: int | None,
    fallback: Staff | None,
) -> bool:
    members = list(code.members.values_list("staff_id", flat=True))
    return (
        members == [s.pk for s in staff]
        and code.skip_verify == skip_verify
        and code.daily_cap == daily_cap
        and code.fallback_staff_id == (fallback.pk if fallback else None)
    )


def create_channel_code(
    channel: Channel,
    staff: Sequence[Staff],
    *,
    gateway: ContactWayGateway,
    skip_verify: bool = True,
    daily_cap: int | None = None,
    fallback: Staff | None = None,
    state: str | None = None,
    tags: Sequence[Tag] = (),
    welcome_variant: WelcomeVariant | None = None,
) -> ChannelCode:
    """Create the contact way in WeCom and keep its config_id. Asking again for the same
    setup returns the existing code instead of spending another of the corp's 500,000.

    WeCom is called outside any transaction (no row lock held across the network); if
    storing the code then fails, the contact way just made is deleted again."""
    _check_staff(staff)
    userids = _userids(staff)
    if fallback is not None:
        _userids([fallback])
    if daily_cap is not None and daily_cap < 1:
        raise ChannelCodeError(_("daily cap must be at least 1"))
    if state is None and not tags and welcome_variant is None:
        for existing in channel.codes.filter(status=CodeStatus.ACTIVE).order_by("pk"):
            if _same_setup(existing, staff, skip_verify, daily_cap, fallback):
                return existing
    if quota_used() >= CONTACT_WAY_QUOTA:
        raise ChannelCodeError(_("WeCom's 500,000 contact-way quota is used up; clean up"))
    state = validate_state(state) if state is not None else new_state(channel)
    if ChannelCode.objects.filter(state=state).exists():
        raise ChannelCodeError(_("state %(state)r is already used") % {"state": state})
    way = gateway.add_contact_way(ContactWaySpec(state, userids, skip_verify, channel.name))
    try:
        with transaction.atomic():
            code = ChannelCode.objects.create(
                channel=channel,
                state=state,
                config_id=way.config_id,
                qr_code=way.qr_code,
                skip_verify=skip_verify,
                daily_cap=daily_cap,
                fallback_staff=fallback,
                welcome_variant=welcome_variant,
                active_userids=list(userids),
            )
            ChannelCodeStaff.objects.bulk_create(
                ChannelCodeStaff(code=code, staff=s, position=i) for i, s in enumerate(staff)
            )
            code.tags.set(tags)
    except IntegrityError:
        gateway.del_contact_way(way.config_id)
        raise ChannelCodeError(_("state %(state)r is already used") % {"state": state}) from None
    return code


def quota_used() -> int:
    """Contact ways counted against WeCom's quota: every code not yet deleted there."""
    return ChannelCode.objects.exclude(status=CodeStatus.DELETED).count()


def update_channel_code(
    code: ChannelCode,
    *,
    staff: Sequence[Staff],
    gateway: ContactWayGateway,
    skip_verify: bool,
    daily_cap: int | None,
    fallback: Staff | None,
    tags: Sequence[Tag] = (),
    welcome_variant: WelcomeVariant | None = None,
    now: datetime | None = None,
) -> ChannelCode:
    """Change a code's staff, cap, fallback, verification, tags and welcome. The rows
    change in one transaction; WeCom's user list is pushed after it commits."""
    _check_staff(staff)
    _userids(staff)
    if fallback is not None:
        _userids([fallback])
    if daily_cap is not None and daily_cap < 1:
        raise ChannelCodeError(_("daily cap must be at least 1"))
    with transaction.atomic():
        code = ChannelCode.objects.select_for_update().select_related("channel").get(pk=code.pk)
        if code.status != CodeStatus.ACTIVE:
            raise ChannelCodeError(_("only an active code can be changed"))
        code.members.all().delete()
        ChannelCodeStaff.objects.bulk_create(
            ChannelCodeStaff(code=code, staff=s, position=i) for i, s in enumerate(staff)
        )
        code.skip_verify = skip_verify
        code.daily_cap = daily_cap
        code.fallback_staff = fallback
        code.welcome_variant = welcome_variant
        code.save()
        code.tags.set(tags)
    userids = eligible_userids(code, now or timezone.now())
    spec = ContactWaySpec(code.state, tuple(userids), skip_verify, code.channel.name)
    gateway.update_contact_way(code.config_id, spec)
    ChannelCode.objects.filter(pk=code.pk).update(active_userids=userids)
    code.active_userids = userids
    return code


@transaction.atomic
def set_code_staff(
    code: ChannelCode, staff: Sequence[Staff], *, gateway: ContactWayGateway
) -> ChannelCode:
    """Replace the staff list (update_contact_way overwrites WeCom's user list)."""
    _check_staff(staff)
    userids = _userids(staff)
    code = ChannelCode.objects.select_for_update().get(pk=code.pk)
    code.members.all().delete()
    ChannelCodeStaff.objects.bulk_create(
        ChannelCodeStaff(code=code, staff=s, position=i) for i, s in enumerate(staff)
    )
    spec = ContactWaySpec(code.state, userids, code.skip_verify, code.channel.name)
    gateway.update_contact_way(code.config_id, spec)
    code.active_userids = list(userids)
    code.save(update_fields=["active_userids", "updated_at"])
    return code


@transaction.atomic
def retire_channel_code(code: ChannelCode, *, at: datetime | None = None) -> ChannelCode:
    """Stop handing the code out. It stays scannable until cleanup, so posters already
    printed still attribute to their channel."""
    ChannelCode.objects.filter(pk=code.pk, status=CodeStatus.ACTIVE).update(
        status=CodeStatus.RETIRED, retired_at=at or timezone.now()
    )
    code.refresh_from_db()
    return code


def clean_up_codes(
    *, gateway: ContactWayGateway, now: datetime | None = None, grace: timedelta = RETIRED_GRACE
) -> int:
    """Delete codes retired longer than ``grace`` from WeCom, freeing quota."""
    cutoff = (now or timezone.now()) - grace
    deleted = 0
    for pk in ChannelCode.objects.filter(
        status=CodeStatus.RETIRED, retired_at__lt=cutoff
    ).values_list("pk", flat=True):
        with transaction.atomic():
            code = ChannelCode.objects.select_for_update().get(pk=pk)
            if code.status != CodeStatus.RETIRED:
                continue
            if code.config_id:
                gateway.del_contact_way(code.config_id)
            code.status = CodeStatus.DELETED
            code.save(update_fields=["status", "updated_at"])
            deleted += 1
    return deleted
