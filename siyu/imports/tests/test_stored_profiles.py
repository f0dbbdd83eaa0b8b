"""The stored profile fields a re-run compares with, read by plain SQL, are what the
ORM reads: same values and types (dates, JSON lists, decrypted text, foreign keys)."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from siyu.customers.models import Customer, Gender, LifecycleStage
from siyu.demo.brand import JINGAN, Brand
from siyu.imports.bulk import FAST_FIELDS
from siyu.imports.stored_rows import stored_profiles

pytestmark = pytest.mark.django_db
NAMES = sorted(
    (FAST_FIELDS - {"phone", "email", "org_unit", "primary_owner"})
    | {"phone_last4", "org_unit_id", "primary_owner_id"}
)


def test_stored_profiles_read_what_the_orm_reads(brand: Brand) -> None:
    now = timezone.now()
    full = Customer.objects.create(
        display_name="敏敏", real_name="张敏", address="静安区1号", region="上海",
        occupation="设计", gender=Gender.FEMALE, birthday=date(1995, 4, 12),
        interests=["手冲", "拿铁"], lifecycle_stage=LifecycleStage.NEW, phone_last4="2222",
        org_unit=brand.stores[JINGAN], primary_owner=brand.chen_jing, created_at=now,
    )  # fmt: skip
    blank = Customer.objects.create(created_at=now)
    ids = {full.pk, blank.pk, 10**9}
    found = stored_profiles(ids, NAMES)
    expected = {
        pk: dict(zip(NAMES, row, strict=True))
        for pk, *row in Customer.objects.filter(pk__in=ids).values_list("pk", *NAMES)
    }
    assert found == expected
    for pk, values in found.items():
        assert {n: type(v) for n, v in values.items()} == {
            n: type(v) for n, v in expected[pk].items()
        }
    assert found[full.pk]["real_name"] == "张敏"
    assert found[full.pk]["birthday"] == date(1995, 4, 12)
    assert stored_profiles(set(), NAMES) == {}
