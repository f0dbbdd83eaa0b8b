"""Attribute an invitee to the code they came through: the first touch per programme wins
(the unique (programme, invitee) constraint absorbs two touches arriving together).

The identity graph decides who is one person: an invitee who is the inviter (directly or
through a merged profile) is recorded, rejected, and never rewarded."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from siyu.campaigns.person import NoPerson, person_id_of
from siyu.referrals.models import Referral, ReferralCode, ReferralStatus, Via


def attribute_invitee(
    code: ReferralCode, invitee_id: int, *, via: Via, at: datetime
) -> Referral | None:
    """The invitee's referral in the code's programme (the existing one when they were
    attributed before); None when the programme is closed or the profile is gone."""
    if not code.programme.is_active:
        return None
    try:
        invitee = person_id_of(invitee_id)
    except NoPerson:
        return None
    found = Referral.objects.filter(programme_id=code.programme_id, invitee_id=invitee).first()
    if found is not None:
        return found
    status = ReferralStatus.ATTRIBUTED
    if code.customer_id is not None and _same_person(code.customer_id, invitee):
        status = ReferralStatus.REJECTED
    try:
        with transaction.atomic():
            return Referral.objects.create(
                programme_id=code.programme_id,
                code=code,
                inviter_id=code.customer_id,
                inviter_staff_id=code.staff_id,
                invitee_id=invitee,
                via=via,
                status=status,
                attributed_at=at,
            )
    except IntegrityError:
        return Referral.objects.get(programme_id=code.programme_id, invitee_id=invitee)


def _same_person(inviter_id: int, invitee_person: int) -> bool:
    try:
        return person_id_of(inviter_id) == invitee_person
    except NoPerson:
        return True  # an inviter the graph cannot place earns nothing
