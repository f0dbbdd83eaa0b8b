"""Correction through the profile fields, withdrawal per purpose: both at once, both
audited by field name or purpose only."""

from __future__ import annotations

import json

import pytest

from siyu.core.models import AuditLog
from siyu.customers.consent import consenting, has_consent
from siyu.customers.models import ChangeKind, Customer, CustomerChange
from siyu.privacy.correct import correct_profile, withdraw_consent
from siyu.privacy.tests.conftest import Zhang

pytestmark = pytest.mark.django_db


def test_a_correction_sets_and_blanks_fields_and_audits_their_names(zhang: Zhang) -> None:
    changed = correct_profile(
        zhang.customer,
        {"occupation": "建筑师", "region": "", "birthday": None, "real_name": "张敏"},
        actor=zhang.brand.lin_yue.user,
    )
    assert changed == ["birthday", "occupation", "region"]  # the name was right already
    fresh = Customer.objects.get(pk=zhang.customer.pk)
    assert (fresh.occupation, fresh.region, fresh.birthday) == ("建筑师", "", None)
    audit = AuditLog.objects.get(action="privacy.correct")
    assert audit.detail == {"fields": changed}
    assert "建筑师" not in json.dumps(audit.detail, ensure_ascii=False)
    change = CustomerChange.objects.filter(customer_id=fresh.pk, kind=ChangeKind.PROFILE).last()
    assert change is not None
    assert change.data == {"fields": changed}


def test_identifiers_and_unknown_fields_are_not_corrected_here(zhang: Zhang) -> None:
    with pytest.raises(ValueError, match="phone"):
        correct_profile(zhang.customer, {"phone": "13900001111"}, actor=None)
    with pytest.raises(ValueError, match="gender"):
        correct_profile(zhang.customer, {"gender": "robot"}, actor=None)


def test_withdrawal_stops_that_purpose_at_once_and_keeps_the_others(zhang: Zhang) -> None:
    assert has_consent(zhang.customer, "marketing")
    withdraw_consent(zhang.customer, "marketing", actor=None, source="privacy_request")
    assert not has_consent(zhang.customer, "marketing")
    assert consenting([zhang.customer.pk], "marketing") == set()
    assert has_consent(zhang.customer, "analysis")
    latest = zhang.customer.consents.order_by("-occurred_at", "-pk").first()
    assert latest is not None
    assert latest.policy_version  # says which text was withdrawn
    assert AuditLog.objects.filter(action="privacy.withdraw").count() == 1
