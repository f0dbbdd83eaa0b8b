"""How a 任务宝 gift reaches the inviter: points and a coupon issued at the unlock, once
even when the unlock runs again; a coupon the campaign refuses leaves the gift waiting with
the reason; a physical gift waits for staff, whose hand-over counts once; the member API
shows the gift's status."""

from __future__ import annotations

import pytest
from django.test import Client

from siyu.campaigns.models import CampaignStatus, IssuedCoupon
from siyu.campaigns.tests.factories import make_coupon
from siyu.customers.member_ref import customer_ref
from siyu.loyalty.ledger import balance
from siyu.referrals.fission import unlock_gift
from siyu.referrals.gifts import GiftError, hand_over
from siyu.referrals.models import GiftStatus, TaskGift
from siyu.referrals.tests.factories import T0, make_person
from siyu.referrals.tests.test_fission import bring, task_programme

pytestmark = pytest.mark.django_db


def test_points_and_a_coupon_are_issued_at_the_unlock_and_only_once() -> None:
    coupon = make_coupon(name="满50减10")
    programme = task_programme(gift_points=200, gift_coupon_id=coupon.pk)
    lei = make_person("赵蕾")
    bring(programme, lei.pk, 3)
    gift = TaskGift.objects.get()
    assert (gift.status, gift.reason) == (GiftStatus.ISSUED, "")
    assert balance(lei.pk) == 200
    assert IssuedCoupon.objects.filter(customer=lei, coupon=coupon).count() == 1
    again = unlock_gift(programme.pk, lei.pk, at=T0)
    assert again.pk == gift.pk
    assert balance(lei.pk) == 200
    assert IssuedCoupon.objects.filter(customer=lei).count() == 1


def test_a_refused_coupon_leaves_the_gift_waiting_with_the_reason() -> None:
    coupon = make_coupon(status=CampaignStatus.DRAFT)
    programme, lei = task_programme(gift_coupon_id=coupon.pk), make_person()
    bring(programme, lei.pk, 3)
    gift = TaskGift.objects.get()
    assert gift.status == GiftStatus.AWAITING
    assert gift.reason
    assert not IssuedCoupon.objects.exists()


def test_a_physical_gift_waits_for_staff_and_is_handed_over_once() -> None:
    programme, lei = task_programme(), make_person()
    bring(programme, lei.pk, 3)
    gift = TaskGift.objects.get()
    assert gift.status == GiftStatus.AWAITING
    member = Client(headers={"X-Member-Ref": customer_ref(lei.pk)})
    (mine,) = member.get("/api/member/referrals").json()
    assert mine["progress"]["gift_status"] == "awaiting"
    hand_over(gift.pk, staff_id=None, note="  顺丰 SF1234 ", at=T0)
    gift.refresh_from_db()
    assert (gift.status, gift.note, gift.fulfilled_at) == (
        GiftStatus.HANDED_OVER,
        "顺丰 SF1234",
        T0,
    )
    with pytest.raises(GiftError):
        hand_over(gift.pk, staff_id=None, note="again", at=T0)
    gift.refresh_from_db()
    assert gift.note == "顺丰 SF1234"
    body = member.post(f"/api/member/referrals/{programme.pk}/gift").json()
    assert body["status"] == "handed_over"
