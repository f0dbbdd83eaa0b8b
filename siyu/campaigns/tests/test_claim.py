from __future__ import annotations

from datetime import timedelta

import pytest

from siyu.campaigns.claim import claim_by_code, claim_coupon
from siyu.campaigns.models import CampaignStatus, CouponAllowance, CouponCode, IssuedCoupon
from siyu.campaigns.person import NoPerson, person_for_identifier
from siyu.campaigns.refusals import Refused
from siyu.campaigns.tests.factories import NOW, make_coupon, merged_pair
from siyu.customers.merge import merge_customers
from siyu.customers.models import Identity, IdentityStatus
from siyu.customers.tests.factories import make_customer

pytestmark = pytest.mark.django_db


def refusal(coupon_id: int, customer_id: int, **kw: object) -> str:
    with pytest.raises(Refused) as caught:
        claim_coupon(coupon_id, customer_id, now=NOW, **kw)  # type: ignore[arg-type]
    return caught.value.code


def test_stock_runs_out_and_refuses_the_next_claim() -> None:
    coupon = make_coupon(total_limit=2)
    for i in range(2):
        claim_coupon(coupon.pk, make_customer(f"oU-s{i}").pk, now=NOW)
    assert refusal(coupon.pk, make_customer("oU-s9").pk) == "sold_out"
    coupon.refresh_from_db()
    assert coupon.issued == 2
    assert IssuedCoupon.objects.filter(coupon=coupon).count() == 2


def test_one_per_person_counts_the_profiles_merged_into_one() -> None:
    coupon = make_coupon(per_person_limit=1)
    survivor, merged = merged_pair("m1")
    issued = claim_coupon(coupon.pk, merged.pk, now=NOW)
    assert issued.customer_id == survivor.pk
    assert refusal(coupon.pk, survivor.pk) == "person_limit"


def test_claims_made_before_a_merge_add_up_after_it() -> None:
    coupon = make_coupon(per_person_limit=2)
    a, b = make_customer("oU-pre-a"), make_customer("oU-pre-b")
    claim_coupon(coupon.pk, a.pk, now=NOW)
    claim_coupon(coupon.pk, b.pk, now=NOW)
    merge_customers(a, b, reason="test")
    assert CouponAllowance.objects.get(coupon=coupon, customer=a).claimed == 2
    assert refusal(coupon.pk, a.pk) == "person_limit"


def test_a_shared_identifier_names_no_one_and_its_people_keep_their_own_limits() -> None:
    coupon = make_coupon()
    first, second = make_customer("oU-walk1"), make_customer("oU-walk2")
    Identity.objects.create(
        customer=first, type="phone", value="shared-store-phone", status=IdentityStatus.SHARED,
        created_at=NOW,
    )  # fmt: skip
    with pytest.raises(NoPerson):
        person_for_identifier("phone", "shared-store-phone")
    claim_coupon(coupon.pk, first.pk, now=NOW)
    claim_coupon(coupon.pk, second.pk, now=NOW)


def test_period_limit_resets_at_the_brand_midnight() -> None:
    coupon = make_coupon(per_person_limit=5, period_limit=1, period="day")
    person = make_customer("oU-day")
    claim_coupon(coupon.pk, person.pk, now=NOW)
    assert refusal(coupon.pk, person.pk) == "period_limit"
    claim_coupon(coupon.pk, person.pk, now=NOW + timedelta(days=1))
    assert CouponAllowance.objects.get(coupon=coupon).claimed == 2


def test_a_refused_claim_takes_nothing_from_the_other_limits() -> None:
    coupon = make_coupon(total_limit=1, per_person_limit=3)
    claim_coupon(coupon.pk, make_customer("oU-r1").pk, now=NOW)
    late = make_customer("oU-r2")
    assert refusal(coupon.pk, late.pk) == "sold_out"
    assert not CouponAllowance.objects.filter(coupon=coupon, customer=late).exists()


def test_windows_and_status_are_checked() -> None:
    person = make_customer("oU-win").pk
    assert refusal(make_coupon(status=CampaignStatus.PAUSED).pk, person) == "not_published"
    assert refusal(make_coupon(claim_from=NOW + timedelta(hours=1)).pk, person) == "not_started"
    assert refusal(make_coupon(claim_until=NOW).pk, person) == "ended"


def test_validity_is_the_earlier_of_days_after_claim_and_the_fixed_end() -> None:
    coupon = make_coupon(valid_days=7, use_until=NOW + timedelta(days=3))
    issued = claim_coupon(coupon.pk, make_customer("oU-val").pk, now=NOW)
    assert issued.expires_at == NOW + timedelta(days=3)


def test_code_pool_hands_each_code_to_one_claim() -> None:
    coupon = make_coupon(uses_code_pool=True, total_limit=2)
    CouponCode.objects.bulk_create(CouponCode(coupon=coupon, code=c) for c in ("AAA1", "BBB2"))
    codes = {claim_coupon(coupon.pk, make_customer(f"oU-c{i}").pk, now=NOW).code for i in range(2)}
    assert codes == {"AAA1", "BBB2"}
    assert refusal(coupon.pk, make_customer("oU-c9").pk) == "sold_out"


def test_public_code_claims_and_unknown_code_is_refused() -> None:
    coupon = make_coupon(public_code="SPRING30")
    person = make_customer("oU-code").pk
    assert claim_by_code("spring30", person, now=NOW).coupon_id == coupon.pk
    with pytest.raises(Refused):
        claim_by_code("NOPE", person, now=NOW)


def test_the_same_issue_key_issues_once() -> None:
    coupon = make_coupon(per_person_limit=5)
    person = make_customer("oU-key").pk
    first = claim_coupon(coupon.pk, person, issue_key="journey:1:step:2", now=NOW)
    again = claim_coupon(coupon.pk, person, issue_key="journey:1:step:2", now=NOW)
    assert first.pk == again.pk
    assert IssuedCoupon.objects.filter(coupon=coupon).count() == 1
