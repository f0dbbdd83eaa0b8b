"""The WeCom status page: last callback, backlog, parked rows retried or discarded (both
audited), token, API quota this minute and hour, last sync runs, checks on demand."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from siyu.console.tests.factories import login
from siyu.core.models import AuditLog
from siyu.demo.brand import Brand
from siyu.integrations.wecom.client.limiter import RateLimiter
from siyu.integrations.wecom.models import CallbackInbox, InboxStatus
from siyu.integrations.wecom.simulator.qr import qr_png
from siyu.integrations.wecom.simulator.testing import make_client, make_simulator
from siyu.integrations.wecom.syncstate.models import RunKind, RunStatus, SyncRun

XML = (
    "<xml><ToUserName><![CDATA[wwtestcorp000001]]></ToUserName><CreateTime>1760000000"
    "</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[brand_new_thing]]>"
    "</Event></xml>"
)


def _row(key: str, status: str = InboxStatus.FAILED) -> CallbackInbox:
    return CallbackInbox.objects.create(
        corp_id="wwtestcorp000001",
        idempotency_key=key,
        ordering_key=key,
        event="brand_new_thing",
        payload=XML,
        status=status,
        attempts=5,
        last_error="RuntimeError('database went away')",
        received_at=timezone.now() - timedelta(minutes=5),
    )


def test_the_page_shows_backlog_parked_quota_and_runs(client: Client, brand: Brand) -> None:
    _row("parked-1")
    _row("waiting-1", InboxStatus.PENDING)
    RateLimiter().acquire("wwtestcorp000001", "/cgi-bin/externalcontact/get")
    now = timezone.now()
    SyncRun.objects.create(
        kind=RunKind.RECONCILE,
        status=RunStatus.DONE,
        counts={"follows_added": 3},
        created_at=now,
        updated_at=now,
        finished_at=now,
    )
    login(client, brand.lin_yue)
    html = client.get("/wecom/status/").content.decode()
    assert "搁置的回调" in html
    assert "database went away" in html
    assert "/cgi-bin/externalcontact/get" in html
    assert "1 / 9500" in html  # this minute, against WeCom's 10,000 less headroom
    assert "follows_added" in html
    assert "等待处理" in html


def test_a_parked_row_retried_is_applied_and_audited(client: Client, brand: Brand) -> None:
    row = _row("parked-1")
    login(client, brand.lin_yue)
    answer = client.post("/wecom/status/parked/", {"row": row.pk, "action": "retry"})
    assert answer.status_code == 302
    row.refresh_from_db()
    assert row.status == InboxStatus.DONE
    audit = AuditLog.objects.get(action="wecom_inbox.retry")
    assert audit.target_id == str(row.pk)
    assert audit.actor == brand.lin_yue.user


def test_a_parked_row_is_discarded_only_with_a_reason(client: Client, brand: Brand) -> None:
    row = _row("parked-1")
    login(client, brand.lin_yue)
    client.post("/wecom/status/parked/", {"row": row.pk, "action": "discard", "reason": ""})
    row.refresh_from_db()
    assert row.status == InboxStatus.FAILED
    client.post("/wecom/status/parked/", {"row": row.pk, "action": "discard", "reason": "测试数据"})
    row.refresh_from_db()
    assert row.status == InboxStatus.DONE
    assert row.last_error.startswith("discarded: 测试数据")
    assert AuditLog.objects.get(action="wecom_inbox.discard").detail == {"reason": "测试数据"}


@pytest.mark.parametrize("bad", [{"row": "x"}, {"row": "99999999999999999999"}, {"row": "1"}])
def test_bad_parameters_answer_400(client: Client, brand: Brand, bad: dict[str, str]) -> None:
    login(client, brand.lin_yue)
    answer = client.post("/wecom/status/parked/", {**bad, "action": "explode"})
    assert answer.status_code == 400


@pytest.mark.parametrize("persona", ["wang.qiang", "chen.jing"])
def test_only_hq_sees_the_page(client: Client, brand: Brand, persona: str) -> None:
    row = _row("parked-1")
    login(client, brand.staff[persona])
    assert client.get("/wecom/status/").status_code == 403
    assert (
        client.post("/wecom/status/parked/", {"row": row.pk, "action": "retry"}).status_code == 403
    )


def test_the_checks_run_when_asked(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    assert "企业 ID" not in client.get("/wecom/status/").content.decode()
    html = client.post("/wecom/status/").content.decode()
    assert "企业 ID" in html
    assert "回调 URL" in html


@pytest.mark.django_db
def test_the_simulator_serves_a_png_for_each_contact_way() -> None:
    sim = make_simulator()
    client = make_client(sim)
    way = client.add_contact_way("qr", ["ChenJing"])
    image = client.http.get(way["qr_code"])
    assert image.headers["content-type"] == "image/png"
    assert image.content == qr_png(way["config_id"])
    client.del_contact_way(way["config_id"])
    assert client.http.get(way["qr_code"]).status_code == 404
