from __future__ import annotations

import json
import logging

import pytest
from django.db import connection
from django.test import Client

from siyu.customers.member_ref import customer_id_from_ref
from siyu.customers.models import Event, Identity
from siyu.integrations.wechat.simulator import WechatSimulator

pytestmark = pytest.mark.django_db
URL = "/api/miniprogram/login"


def _login(code: str) -> tuple[int, dict[str, object]]:
    response = Client().post(URL, json.dumps({"code": code}), content_type="application/json")
    return response.status_code, response.json()


def test_login_creates_one_profile_with_openid_and_unionid(sim: WechatSimulator) -> None:
    status, body = _login(sim.issue_code("mp-openid-1", "union-1"))
    assert status == 200
    assert body["created"] is True
    customer_id = customer_id_from_ref(str(body["customer"]))
    types = set(Identity.objects.filter(customer_id=customer_id).values_list("type", flat=True))
    assert types == {"miniprogram_openid", "wechat_unionid"}
    assert Event.objects.filter(customer_id=customer_id, type="miniprogram_login").count() == 1
    # Nothing personal in the reply: only the signed reference and the flag.
    assert set(body) == {"customer", "created"}
    assert "mp-openid-1" not in json.dumps(body)


def test_second_login_finds_the_same_profile(sim: WechatSimulator) -> None:
    _, first = _login(sim.issue_code("mp-openid-2"))
    status, second = _login(sim.issue_code("mp-openid-2"))
    assert status == 200
    assert second["created"] is False
    assert customer_id_from_ref(str(first["customer"])) == customer_id_from_ref(
        str(second["customer"])
    )
    assert Event.objects.filter(type="miniprogram_login").count() == 2


@pytest.mark.parametrize(
    ("errcode", "status"), [(40029, 400), (45011, 429), (40226, 403), (40163, 400)]
)
def test_login_errors_are_mapped(sim: WechatSimulator, errcode: int, status: int) -> None:
    code = sim.issue_code("mp-openid-3")
    sim.failing[code] = [errcode]
    got, body = _login(code)
    assert got == status
    assert body["detail"]
    assert not Identity.objects.exists()


def test_unknown_code_is_invalid(sim: WechatSimulator) -> None:
    status, body = _login("no-such-code")
    assert status == 400
    assert body == {"detail": "invalid login code"}


def test_busy_is_retried_once(sim: WechatSimulator) -> None:
    code = sim.issue_code("mp-openid-4")
    sim.failing[code] = [-1]
    status, _ = _login(code)
    assert status == 200
    assert sim.calls.count("/sns/jscode2session") == 2


def test_busy_twice_gives_up(sim: WechatSimulator) -> None:
    code = sim.issue_code("mp-openid-5")
    sim.failing[code] = [-1, -1]
    status, _ = _login(code)
    assert status == 502
    assert sim.calls.count("/sns/jscode2session") == 2


def test_no_api_key_needed_but_body_checked(sim: WechatSimulator) -> None:
    response = Client().post(URL, "{}", content_type="application/json")
    assert response.status_code == 422


def test_session_key_never_stored_or_logged(
    sim: WechatSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []
    original = sim.jscode2session

    def spy(query: dict[str, str]) -> dict[str, object]:
        reply = original(query)
        seen.append(str(reply.get("session_key", "")))
        return reply

    sim.jscode2session = spy  # type: ignore[method-assign,assignment]
    caplog.set_level(logging.DEBUG)
    status, body = _login(sim.issue_code("mp-openid-6", "union-6"))
    assert status == 200
    session_key = seen[0]
    assert session_key
    assert session_key not in caplog.text
    assert session_key not in json.dumps(body)
    assert session_key not in _dump_database()


def _dump_database() -> str:
    """Every text the tables hold, to prove a secret is nowhere in them."""
    chunks: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 (table names from the schema)
            chunks.extend(str(row) for row in cursor.fetchall())
    return "\n".join(chunks)
