"""Small builders for console tests. Everything goes through the customer verbs, as the
product itself does."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count

from django.test import Client
from django.utils import timezone

from siyu.core.models import Staff
from siyu.customers.follows import follow_customer
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.models import Customer
from siyu.customers.profiles import upsert_customer
from siyu.demo.brand import DEMO_PASSWORD

_phones = count(13700000001)


def make_customer(
    name: str,
    *,
    owner: Staff | None = None,
    phone: str | None = None,
    real_name: str = "",
    lifecycle: str = "new",
    at: datetime | None = None,
) -> Customer:
    phone = phone or str(next(_phones))
    fields = {
        "display_name": name,
        "phone": phone,
        "real_name": real_name,
        "lifecycle_stage": lifecycle,
    }
    customer = upsert_customer(
        [IdentityInput("phone", phone)], fields=fields, source="test", at=at or timezone.now()
    )
    if owner is not None:
        follow_customer(customer, owner, primary=True)
    customer.refresh_from_db()
    return customer


def days_ago(n: int) -> datetime:
    return timezone.now() - timedelta(days=n)


def login(client: Client, staff: Staff) -> Client:
    assert client.login(username=staff.user.get_username(), password=DEMO_PASSWORD)
    return client
