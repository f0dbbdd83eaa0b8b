"""Console pages and API: live count, scoping by role, masked audited export, bad input is
a 4xx with a message, layering tables and CSV."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from siyu.access.tests.clients import integration_client
from siyu.console.tests.factories import login
from siyu.core.models import AuditLog
from siyu.customers.tagging import add_tag, ensure_tag
from siyu.demo.brand import JINGAN, Brand
from siyu.segments.define import create_segment
from siyu.segments.membership import refresh_segment
from siyu.segments.models import Segment
from siyu.segments.tests.factories import NOW, buy, make_customer

FEMALE = {"kind": "profile", "field": "gender", "values": ["female"]}


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def women(brand: Brand) -> Segment:
    jingan, other = brand.stores[JINGAN], brand.stores["北京朝阳店"]
    for i, store in enumerate([jingan, other, other]):
        customer = make_customer(f"女客{i}", gender="female", org_unit=store)
        buy(customer, NOW, 1000 * (i + 1))
    segment = create_segment("女性", FEMALE)
    refresh_segment(segment.pk)
    return segment


def count(client: Client, rule: Any) -> Any:
    text = rule if isinstance(rule, str) else json.dumps(rule)
    response = client.post("/segments/count/", {"rule": text})
    assert response.status_code == 200
    return response.context.get("count", response.content.decode())


def test_live_count_follows_the_viewers_scope(client: Client, brand: Brand, women: Segment) -> None:
    login(client, brand.lin_yue)
    assert count(client, FEMALE) == 3
    client.logout()
    login(client, brand.wang_qiang)
    assert count(client, FEMALE) == 1


def test_live_count_explains_bad_rules(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    assert "not valid JSON" in count(client, "{")
    assert "unknown gender value" in count(
        client, {"kind": "profile", "field": "gender", "values": ["x"]}
    )


def test_list_and_detail_count_only_visible_members(
    client: Client, brand: Brand, women: Segment
) -> None:
    login(client, brand.wang_qiang)
    listing = client.get("/segments/")
    assert [s.visible_members for s in listing.context["segments"]] == [1]
    detail = client.get(f"/segments/{women.pk}/")
    assert detail.context["visible_count"] == 1
    assert len(detail.context["members"]) == 1


def test_saving_a_bad_rule_is_a_400_with_the_problem(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    response = client.post("/segments/new/", {"name": "坏", "rule": '{"kind": "tags"}'})
    assert response.status_code == 400
    assert any("mode" in e for e in response.context["errors"])
    assert not Segment.objects.exists()


def test_only_hq_saves_segments(client: Client, brand: Brand) -> None:
    login(client, brand.wang_qiang)
    response = client.post("/segments/new/", {"name": "x", "rule": json.dumps(FEMALE)})
    assert response.status_code == 403


def test_hq_creates_a_segment(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    response = client.post("/segments/new/", {"name": "女性", "rule": json.dumps(FEMALE)})
    assert response.status_code == 302
    assert Segment.objects.get().rule == FEMALE


def test_export_is_masked_scoped_and_audited(client: Client, brand: Brand, women: Segment) -> None:
    login(client, brand.wang_qiang)
    response = client.get(f"/segments/{women.pk}/export.csv")
    lines = response.content.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 2  # header + his one store customer
    assert "女*" in lines[1]
    assert "女客0" not in lines[1]
    audit = AuditLog.objects.get(action="segment_export")
    assert audit.detail["rows"] == 1


def test_layering_page_and_csv(client: Client, brand: Brand, women: Segment) -> None:
    login(client, brand.lin_yue)
    page = client.get("/segments/layering/")
    assert page.status_code == 200
    assert page.context["pareto"].buyers == 3
    for table in ("rfm", "matrix", "pareto"):
        assert client.get(f"/segments/layering/{table}.csv").status_code == 200
    assert client.get("/segments/layering/nope.csv").status_code == 404


def test_bad_thresholds_are_a_400(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    response = client.post("/segments/layering/", {"active_days": "abc"})
    assert response.status_code == 400
    assert response.context["errors"]


def test_api_count_members_and_layering(brand: Brand, women: Segment) -> None:
    api = integration_client("bi")
    ok = api.post("/api/segments/count", {"rule": FEMALE}, content_type="application/json")
    assert ok.json() == {"count": 3}
    bad = api.post("/api/segments/count", {"rule": {"kind": "x"}}, content_type="application/json")
    assert bad.status_code == 422
    assert bad.json()["errors"]
    members = api.get(f"/api/segments/{women.pk}/members?limit=2").json()
    assert len(members["customer_ids"]) == 2
    assert members["next_after"] == members["customer_ids"][-1]
    assert api.get("/api/segments/999/members").status_code == 404
    assert api.get("/api/segments/1/members?limit=0").status_code == 422
    assert api.get("/api/layering/pareto").json()["buyers"] == 3
    assert len(api.get("/api/layering/matrix").json()) == 15
    assert len(api.get("/api/layering/rfm").json()) == 8


def test_tagging_in_the_console_updates_membership(brand: Brand) -> None:
    vip = ensure_tag("兴趣", "手冲")
    customer = make_customer("张敏")
    segment = create_segment("手冲", {"kind": "tags", "mode": "any", "tag_ids": [vip.pk]})
    add_tag(customer, vip)
    assert refresh_segment(segment.pk).entered == 1
