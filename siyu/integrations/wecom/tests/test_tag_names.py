"""Tag callbacks carry only ids: names come from WeCom's tag list."""

from __future__ import annotations

import pytest
from django.test import Client
from django.test.utils import override_settings

from siyu.customers.models import Tag
from siyu.integrations.wecom.simulator.server import Simulator
from siyu.integrations.wecom.tag_names import lookup_corp_tags
from siyu.integrations.wecom.tests.conftest import CORP_ID, event_xml, post_event
from siyu.integrations.wecom.tests.test_events import process_all
from siyu.integrations.wecom.transport import wecom_client

pytestmark = pytest.mark.django_db


def test_a_tag_created_in_wecom_is_mirrored_by_name(client: Client, sim: Simulator) -> None:
    group = wecom_client().add_corp_tag("客户等级", ["VIP", "普通"])
    vip = next(t for t in group["tag"] if t["name"] == "VIP")
    post_event(
        client,
        event_xml(Event="change_external_tag", ChangeType="create", Id=vip["id"], TagType="tag"),
    )
    process_all()
    assert list(Tag.objects.values_list("group__name", "name")) == [("客户等级", "VIP")]


def test_a_whole_group_event_mirrors_every_tag(sim: Simulator) -> None:
    group = wecom_client().add_corp_tag("口味", ["浅烘", "深烘"])
    names = {t.tag_name for t in lookup_corp_tags(CORP_ID, "tag_group", group["group_id"])}
    assert names == {"浅烘", "深烘"}


def test_wecom_unreachable_mirrors_nothing_and_does_not_fail() -> None:
    with override_settings(SIYU_WECOM_API_BASE="http://127.0.0.1:9"):
        assert lookup_corp_tags(CORP_ID, "tag", "etX") == []
