"""The channel tag on the customer's WeCom card, queued at onboarding and made after commit:
a customer who deleted the rep before it landed leaves nothing to tag, not a failure."""

from __future__ import annotations

import pytest

from siyu.integrations.wecom.models import OutboundCall, OutboxStatus
from siyu.integrations.wecom.outbox import drain_outbox, queue_call
from siyu.integrations.wecom.simulator.server import Simulator
from siyu.integrations.wecom.transport import wecom_client

pytestmark = pytest.mark.django_db


def _queue_tag(userid: str, external_userid: str) -> OutboundCall:
    payload = {
        "group": "渠道",
        "tag": "包裹卡",
        "user_id": userid,
        "external_user_id": external_userid,
    }
    return queue_call("mark_channel_tag", payload, ordering_key=f"contact:{external_userid}")


def _card_tags(sim: Simulator, external_userid: str, userid: str) -> list[str]:
    names = {t["id"]: t["name"] for g in sim.world.tag_groups for t in g["tag"]}
    follow = sim.world.contacts[external_userid].follows[userid]
    return [names[t["tag_id"]] for t in follow["tags"]]


def test_the_tag_lands_on_the_card_of_a_contact_who_still_follows(sim: Simulator) -> None:
    config_id = str(wecom_client().add_contact_way("s1", ["ChenJing"])["config_id"])
    scan = sim.scan(config_id, name="张敏")
    call = _queue_tag(scan.userid, scan.external_userid)

    assert drain_outbox() == 1

    call.refresh_from_db()
    assert call.status == OutboxStatus.DONE
    assert _card_tags(sim, scan.external_userid, scan.userid) == ["包裹卡"]


def test_a_customer_who_deleted_the_rep_first_leaves_nothing_to_tag(sim: Simulator) -> None:
    config_id = str(wecom_client().add_contact_way("s1", ["ChenJing"])["config_id"])
    scan = sim.scan(config_id, name="刘洋")
    call = _queue_tag(scan.userid, scan.external_userid)
    sim.customer_deletes_staff(scan.external_userid, scan.userid)  # before the worker runs

    drain_outbox()

    call.refresh_from_db()
    assert (call.status, call.last_error) == (OutboxStatus.DONE, "")
