"""Tag callbacks carry only ids: names come from WeCom's tag list, asked after commit."""

from __future__ import annotations

import pytest
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from siyu.customers.models import Tag
from siyu.integrations.wecom.models import OutboundCall, OutboxStatus
from siyu.integrations.wecom.outbox import drain_outbox
from siyu.integrations.wecom.simulator.server import Simulator
from siyu.integrations.wecom.simulator.testing import make_simulator
from siyu.integrations.wecom.tag_names import lookup_corp_tags
from siyu.integrations.wecom.tests.conftest import CORP_ID, event_xml, post_event, wired
from siyu.integrations.wecom.tests.test_events import process_all
from siyu.integrations.wecom.transport import wecom_client

pytestmark = pytest.mark.django_db


def _tag_event(client: Client, tag_id: str) -> None:
    post_event(
        client,
        event_xml(Event="change_external_tag", ChangeType="create", Id=tag_id, TagType="tag"),
    )
    process_all()


def test_a_tag_created_in_wecom_is_mirrored_by_name(client: Client, sim: Simulator) -> None:
    group = wecom_client().add_corp_tag("客户等级", ["VIP", "普通"])
    vip = next(t for t in group["tag"] if t["name"] == "VIP")
    calls = len(sim.calls)
    _tag_event(client, vip["id"])
    assert len(sim.calls) == calls  # nothing asked of WeCom inside the inbox transaction
    assert not Tag.objects.exists()
    assert drain_outbox() == 1
    assert list(Tag.objects.values_list("group__name", "name")) == [("客户等级", "VIP")]


def test_a_whole_group_event_mirrors_every_tag(sim: Simulator) -> None:
    group = wecom_client().add_corp_tag("口味", ["浅烘", "深烘"])
    tags = lookup_corp_tags(wecom_client(), "tag_group", group["group_id"])
    assert {t.tag_name for t in tags} == {"浅烘", "深烘"}


def test_wecom_unreachable_keeps_the_lookup_for_a_retry(client: Client) -> None:
    sim = make_simulator(corp_id=CORP_ID)
    with wired(sim):
        vip = wecom_client().add_corp_tag("客户等级", ["VIP"])["tag"][0]
    with override_settings(SIYU_WECOM_SECRET=sim.secret, SIYU_WECOM_API_BASE="http://127.0.0.1:9"):
        _tag_event(client, vip["id"])
        assert drain_outbox() == 1
    call = OutboundCall.objects.get()
    assert (call.status, call.attempts) == (OutboxStatus.PENDING, 1)
    assert "could not be reached" in call.last_error
    assert call.due_at > timezone.now()  # backing off
    assert drain_outbox() == 0
    OutboundCall.objects.update(due_at=timezone.now())  # the backoff has passed
    with wired(sim):
        assert drain_outbox() == 1
    call.refresh_from_db()
    assert (call.status, call.attempts, call.last_error) == (OutboxStatus.DONE, 2, "")
    assert Tag.objects.filter(group__name="客户等级", name="VIP").exists()
