"""The member-centre API: identified by the member reference, only the member's own data,
bounded parameters, refusals as 409 with the reason."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.timezone import now as NOW

from siyu.customers.member_ref import customer_ref
from siyu.customers.merge import merge_customers
from siyu.loyalty.models import ItemKind, MallItem, RuleKind, Status
from siyu.loyalty.tests.factories import give, make_person, make_rule

pytestmark = pytest.mark.django_db


def _client(customer_id: int) -> Client:
    return Client(headers={"X-Member-Ref": customer_ref(customer_id)})


def test_a_missing_or_forged_reference_is_401() -> None:
    assert Client().get("/api/member/points").status_code == 401
    forged = Client(headers={"X-Member-Ref": "eyJjIjoxfQ:forged:sig"})
    assert forged.get("/api/member/points").status_code == 401


def test_points_and_ledger_are_the_members_own() -> None:
    lei, other = make_person(), make_person()
    give(lei, 120, days=30, at=NOW())
    give(other, 999, at=NOW())
    body = _client(lei.pk).get("/api/member/points").json()
    assert (body["balance"], body["pending"]) == (120, 0)
    assert [e["points"] for e in body["expiring"]] == [120]
    ledger = _client(lei.pk).get("/api/member/ledger?limit=10").json()
    assert [e["points"] for e in ledger] == [120]


def test_a_merged_profiles_reference_reads_the_survivor() -> None:
    old, new = make_person(), make_person()
    give(old, 50, at=NOW())
    merge_customers(new, old, reason="same person")
    assert _client(old.pk).get("/api/member/points").json()["balance"] == 50


def test_bad_parameters_are_refused_not_500() -> None:
    lei = make_person()
    client = _client(lei.pk)
    assert client.get("/api/member/ledger?limit=0").status_code == 422
    assert client.get("/api/member/ledger?before=99999999999999999999").status_code == 422
    bad = client.post(
        "/api/member/redeem", {"item_id": 1, "key": "short"}, content_type="application/json"
    )
    assert bad.status_code == 422


def test_check_in_and_redeem_through_the_api() -> None:
    lei = make_person()
    make_rule(RuleKind.CHECKIN, points=10)
    client = _client(lei.pk)
    first = client.post("/api/member/checkin").json()
    again = client.post("/api/member/checkin").json()
    assert (first["points"], again["already"]) == (10, True)
    mug = MallItem.objects.create(name="杯", kind=ItemKind.GOODS, points_cost=10, stock=1,
                                  status=Status.ACTIVE)  # fmt: skip
    body = {"item_id": mug.pk, "key": "phone-0001"}
    ok = client.post("/api/member/redeem", body, content_type="application/json")
    assert ok.status_code == 200, ok.content
    assert client.get("/api/member/points").json()["balance"] == 0
    body["key"] = "phone-0002"
    refused = client.post("/api/member/redeem", body, content_type="application/json")
    assert refused.status_code == 409
    assert refused.json()["detail"]
    assert [r["item"] for r in client.get("/api/member/redemptions").json()] == ["杯"]
