"""群打卡 through the member centre: a member of the group checks in with her member
reference and earns loyalty's check-in points and streak; others are refused."""

from __future__ import annotations

import pytest
from django.test import Client

from siyu.community.models import GroupCheckIn
from siyu.community.tests.factories import make_group, make_person
from siyu.customers.member_ref import HEADER, customer_ref
from siyu.demo.brand import Brand
from siyu.loyalty.models import RuleKind
from siyu.loyalty.tests.factories import make_rule

pytestmark = pytest.mark.django_db
URL = "/api/member/groups/checkin"


def _client(customer_id: int) -> Client:
    return Client(headers={HEADER: customer_ref(customer_id)})


def test_a_member_checks_in_once_a_day_with_loyalty_points(brand: Brand) -> None:
    make_rule(RuleKind.CHECKIN, points=5)
    lei = make_person("赵蕾")
    chat = make_group(brand.wang_qiang, [lei])
    client = _client(lei.pk)
    assert [g["id"] for g in client.get("/api/member/groups").json()] == [chat.pk]
    first = client.post(URL, {"group_id": chat.pk}, content_type="application/json")
    assert first.status_code == 200, first.content
    assert (first.json()["points"], first.json()["streak"], first.json()["group_today"]) == (
        5,
        1,
        1,
    )
    again = client.post(URL, {"group_id": chat.pk}, content_type="application/json").json()
    assert (again["already"], again["points"]) == (True, 0)
    assert GroupCheckIn.objects.count() == 1


def test_someone_outside_the_group_is_refused(brand: Brand) -> None:
    chat = make_group(brand.wang_qiang)
    stranger = make_person()
    answer = _client(stranger.pk).post(URL, {"group_id": chat.pk}, content_type="application/json")
    assert answer.status_code == 403
    assert answer.json()["detail"]
    assert GroupCheckIn.objects.count() == 0


def test_bad_input_is_a_4xx_never_a_500(brand: Brand) -> None:
    lei = make_person()
    client = _client(lei.pk)
    assert client.post(URL, {"group_id": 0}, content_type="application/json").status_code == 422
    missing = client.post(URL, {"group_id": 999999}, content_type="application/json")
    assert missing.status_code == 404
    assert Client().post(URL, {"group_id": 1}, content_type="application/json").status_code == 401
