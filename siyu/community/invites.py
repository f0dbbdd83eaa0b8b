"""标签建群: invite everyone with a tag, or in a segment, to a group code by mass send (or a
list of customers the caller picked, e.g. the top KOCs, named by ``audience``).
The send carries the code's QR image; joins come back through the code's ``state`` and
are credited to the invite that reached the customer (``joins._invite_for``)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.community.codes import GroupCodeError
from siyu.community.joins import INVITE_SOURCE
from siyu.community.models import CodeStatus, GroupCode, GroupInvite
from siyu.customers.models import Customer, Tag
from siyu.messaging.models import Channel
from siyu.messaging.send import Message, Outcome, SendRequest, send
from siyu.segments.models import Segment


def invitees(
    tag: Tag | None,
    segment: Segment | None,
    customers: Sequence[int] = (),
    within: QuerySet[Customer] | None = None,
) -> QuerySet[Customer]:
    """``within``: only these customers (a store manager invites his store's, not the brand's)."""
    chosen = _chosen(tag, segment, customers)
    return chosen if within is None else chosen.filter(pk__in=within.values("pk"))


def _chosen(
    tag: Tag | None, segment: Segment | None, customers: Sequence[int]
) -> QuerySet[Customer]:
    if customers:
        return Customer.objects.filter(pk__in=list(customers))
    if tag is not None:
        return Customer.objects.filter(tag_links__tag=tag)
    if segment is not None:
        return Customer.objects.filter(
            pk__in=segment.memberships.filter(left_at__isnull=True).values("customer_id")
        )
    return Customer.objects.none()


def invite_to_group(
    code: GroupCode,
    text: str,
    *,
    tag: Tag | None = None,
    segment: Segment | None = None,
    customers: Sequence[int] = (),
    audience: str = "",
    created_by_id: int | None = None,
    within: QuerySet[Customer] | None = None,
) -> tuple[GroupInvite, Outcome]:
    picked = [tag is not None, segment is not None, bool(customers)]
    if sum(picked) != 1:
        raise GroupCodeError(_("Invite either a tag or a segment."))
    if code.status != CodeStatus.ACTIVE or not code.qr_code:
        raise GroupCodeError(_("This group code has no QR code to send."))
    if not text.strip():
        raise GroupCodeError(_("Write the invitation."))
    with transaction.atomic():
        invite = GroupInvite.objects.create(
            code=code, tag=tag, segment=segment, text=text.strip(), created_at=timezone.now(),
            audience=(tag.name if tag else segment.name if segment else audience)[:200],
        )  # fmt: skip
    outcome = send(
        SendRequest(
            source=INVITE_SOURCE,
            source_id=invite.source_id,
            channel=Channel.WECOM_CUSTOMER,
            message=Message(
                text=invite.text,
                attachments=({"msgtype": "image", "image": {"pic_url": code.qr_code}},),
            ),
            customers=invitees(tag, segment, customers, within),
            title=code.name,
            audience=invite.audience,
            created_by_id=created_by_id,
        )
    )
    GroupInvite.objects.filter(pk=invite.pk).update(invited=outcome.reached)
    invite.invited = outcome.reached
    return invite, outcome
