"""The KOC programme end to end: the top KOCs (by ``koc.score_kocs``: the top N, or
everyone over a score) are invited into a KOC group through the group-code invite (a mass
send carrying the code's QR image, joins credited to the invite by the code's ``state``),
and the KOC group gets its own SOP calendar (``community.koc_sop``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from siyu.community.codes import GroupCodeError
from siyu.community.invites import invite_to_group
from siyu.community.koc_sop import schedule_koc_sop
from siyu.community.models import CodeStatus, GroupCode, GroupInvite, SopSlot
from siyu.groups.models import GroupChat, GroupType
from siyu.messaging.send import Outcome
from siyu.referrals.koc import KocRow, score_kocs
from siyu.referrals.scope import ReferralScope

MAX_INVITED = 200  # one invitation reaches at most this many KOCs


@dataclass(frozen=True)
class KocInvite:
    invite: GroupInvite
    outcome: Outcome
    kocs: list[KocRow]
    slots: list[SopSlot]


def koc_codes() -> QuerySet[GroupCode]:
    """Active codes with a QR image that send scanners to at least one KOC group."""
    return (
        GroupCode.objects.filter(status=CodeStatus.ACTIVE, chats__chat__group_type=GroupType.KOC)
        .exclude(qr_code="")
        .distinct()
        .order_by("name", "pk")
    )


def koc_chats(code: GroupCode) -> list[GroupChat]:
    return [
        link.chat
        for link in code.chats.select_related("chat").order_by("position", "pk")
        if link.chat.group_type == GroupType.KOC
    ]


def pick_kocs(
    *, top: int | None = None, min_score: float | None = None, scope: ReferralScope | None = None
) -> list[KocRow]:
    """The top ``top`` KOCs, or every KOC scoring at least ``min_score`` (at most
    ``MAX_INVITED``); both given: the top N of those over the score. ``scope``: only the
    customers the user sees (a store manager's KOCs)."""
    rows = [r for r in score_kocs(MAX_INVITED) if r.score > 0]
    if scope is not None:
        ids = [r.customer_id for r in rows]
        seen = set(scope.customers.filter(pk__in=ids).values_list("pk", flat=True))
        rows = [r for r in rows if r.customer_id in seen]
    if min_score is not None:
        rows = [r for r in rows if r.score >= min_score]
    if top is not None:
        rows = rows[: max(top, 0)]
    return rows


def audience_of(top: int | None, min_score: float | None) -> str:
    if top is not None and min_score is not None:
        return _("Top %(n)d KOCs scoring %(score)s or more") % {"n": top, "score": min_score}
    if top is not None:
        return _("Top %(n)d KOCs") % {"n": top}
    return _("KOCs scoring %(score)s or more") % {"score": min_score}


def invite_kocs(
    code: GroupCode,
    text: str,
    *,
    top: int | None = None,
    min_score: float | None = None,
    created_by_id: int | None = None,
    now: datetime | None = None,
    scope: ReferralScope | None = None,
) -> KocInvite:
    """Invite the picked KOCs into the code's KOC group and schedule its KOC SOP."""
    if top is None and min_score is None:
        raise GroupCodeError(_("Choose how many KOCs, or the lowest score, to invite."))
    chats = koc_chats(code)
    if not chats:
        raise GroupCodeError(_("This group code sends to no KOC group."))
    kocs = pick_kocs(top=top, min_score=min_score, scope=scope)
    if not kocs:
        raise GroupCodeError(_("No KOC matches: nobody has referred or shared yet."))
    invite, outcome = invite_to_group(
        code, text, customers=[k.customer_id for k in kocs],
        audience=audience_of(top, min_score), created_by_id=created_by_id,
    )  # fmt: skip
    return KocInvite(invite, outcome, kocs, schedule_koc_sop(chats, now))
