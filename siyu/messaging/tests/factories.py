"""Builders for messaging tests: customers made through the customer verbs."""

from __future__ import annotations

from datetime import datetime
from itertools import count

from siyu.core.models import Staff
from siyu.customers.consent import record_consent
from siyu.customers.follows import follow_customer
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.models import Customer
from siyu.customers.profiles import upsert_customer
from siyu.messaging.models import RecipientZone

NOW = datetime.fromisoformat("2026-03-10T04:00:00+00:00")  # 12:00 in Shanghai, a Tuesday
CORP = "ww0123456789abcdef"
_numbers = count(13900000001)


def external_id(customer: Customer) -> str:
    return str(customer.identities.get(type="wecom_external_userid").value)


def make_customer(
    name: str,
    *,
    owner: Staff | None = None,
    consent: bool | None = True,
    zone: str = "",
    openid: bool = False,
    at: datetime = NOW,
) -> Customer:
    phone = str(next(_numbers))
    identities = [
        IdentityInput("phone", phone),
        IdentityInput("wecom_external_userid", f"wm{phone}", CORP),
    ]
    if openid:
        identities.append(IdentityInput("wechat_openid", f"oa{phone}", "wxoa"))
    customer = upsert_customer(identities, fields={"display_name": name}, source="test", at=at)
    if owner is not None:
        follow_customer(customer, owner, primary=True, at=at)
    if consent is not None:
        record_consent(
            customer,
            purpose="marketing",
            granted=consent,
            policy_version="v1",
            source="test",
            at=at,
        )
    if zone:
        RecipientZone.objects.create(customer=customer, zone=zone)
    return customer
