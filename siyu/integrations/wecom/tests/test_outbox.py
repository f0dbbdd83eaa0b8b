"""The outbox: WeCom calls made after commit, in order per key, retried, failures kept."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from siyu.channels.seams import ContactWaySpec
from siyu.integrations.wecom import outbox, transport
from siyu.integrations.wecom.client.core import REFUSED_IN_TRANSACTION
from siyu.integrations.wecom.client.errors import CalledInTransaction
from siyu.integrations.wecom.models import OutboundCall, OutboxStatus
from siyu.integrations.wecom.onboarding import WeComChannelGateway
from siyu.integrations.wecom.outbox import drain_outbox, queue_call
from siyu.integrations.wecom.simulator.server import Simulator
from siyu.integrations.wecom.simulator.testing import make_simulator
from siyu.integrations.wecom.tests.conftest import CORP_ID, run_together, wired
from siyu.integrations.wecom.transport import wecom_client

pytestmark = pytest.mark.django_db
UPDATE = "/cgi-bin/externalcontact/update_contact_way"


def _way(sim: Simulator) -> str:
    return str(wecom_client().add_contact_way("s1", ["ChenJing"])["config_id"])


def _update(config_id: str, *userids: str) -> None:
    gateway = WeComChannelGateway(wecom_client())
    with transaction.atomic():  # as channels' verbs call it: inside their transaction
        gateway.update_contact_way(config_id, ContactWaySpec("s1", userids))


@contextmanager
def offline() -> Iterator[None]:
    """WeCom out of reach: the network, on a port nobody listens on."""
    saved = transport._transport
    transport.use_transport(None)
    try:
        with override_settings(SIYU_WECOM_API_BASE="http://127.0.0.1:9"):
            yield
    finally:
        transport.use_transport(saved)


def test_the_client_refuses_to_call_inside_a_transaction(sim: Simulator) -> None:
    try:
        with transaction.atomic(), pytest.raises(CalledInTransaction):
            wecom_client().follow_user_list()
    finally:
        REFUSED_IN_TRANSACTION.clear()  # expected here; the fixture checks the others


def test_a_call_is_made_after_commit_and_only_once(sim: Simulator) -> None:
    config_id = _way(sim)
    _update(config_id, "ChenJing", "WangQiang")
    assert sim.errcodes(UPDATE) == []
    assert drain_outbox() == 1
    assert drain_outbox() == 0
    assert sim.errcodes(UPDATE) == [0]
    assert sim.world.ways[config_id]["user"] == ["ChenJing", "WangQiang"]
    assert OutboundCall.objects.get().status == OutboxStatus.DONE


def test_the_same_key_queued_twice_is_one_call(sim: Simulator) -> None:
    gateway = WeComChannelGateway(wecom_client())
    gateway.del_contact_way("cfg-gone")
    gateway.del_contact_way("cfg-gone")
    assert OutboundCall.objects.count() == 1


def test_calls_of_one_key_keep_their_order_behind_a_retry(sim: Simulator) -> None:
    config_id = _way(sim)
    _update(config_id, "WangQiang")
    _update(config_id, "ChenJing", "Sales01")
    with offline():
        assert drain_outbox() == 1  # the first call failed; the second waits behind it
    first, second = OutboundCall.objects.order_by("pk")
    assert (first.status, first.attempts, second.attempts) == (OutboxStatus.PENDING, 1, 0)
    assert "could not be reached" in first.last_error
    assert first.due_at > timezone.now()
    OutboundCall.objects.update(due_at=timezone.now())  # the backoff has passed
    assert drain_outbox() == 2
    assert sim.world.ways[config_id]["user"] == ["ChenJing", "Sales01"]  # the last one wins


def test_a_refusal_fails_at_once_visibly_and_frees_the_key(
    sim: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    config_id = _way(sim)
    _update(config_id, "Nobody")  # not a staff member: 40098, waiting will not change it
    _update(config_id, "Sales02")
    with caplog.at_level(logging.WARNING, logger="siyu.integrations.wecom.outbox"):
        assert drain_outbox() == 2
    refused, made = OutboundCall.objects.order_by("pk")
    assert refused.status == OutboxStatus.FAILED
    assert "40098" in refused.last_error
    assert made.status == OutboxStatus.DONE
    assert outbox.failed_calls() == 1
    [record] = [r for r in caplog.records if r.name == outbox.log.name]
    assert record.levelno == logging.ERROR
    assert "update_contact_way" in record.getMessage()
    assert record.exc_info is None  # one line, no traceback


def test_a_dead_workers_lease_runs_out_and_the_call_is_made_again(sim: Simulator) -> None:
    config_id = _way(sim)
    _update(config_id, "WangQiang")
    claimed = outbox._claim_head(f"way:{config_id}")  # a worker claims it, then dies
    assert claimed is not None
    assert drain_outbox() == 0  # leased: nobody else makes it meanwhile
    OutboundCall.objects.update(due_at=timezone.now() - timedelta(seconds=1))  # lease over
    assert drain_outbox() == 1
    call = OutboundCall.objects.get()
    assert (call.status, call.attempts) == (OutboxStatus.DONE, 2)


def test_retries_stop_after_the_last_attempt(sim: Simulator) -> None:
    queue_call("del_contact_way", {"config_id": "cfg1"}, ordering_key="way:cfg1")
    OutboundCall.objects.update(attempts=outbox.MAX_ATTEMPTS - 1)
    with offline():
        assert drain_outbox() == 1
    assert OutboundCall.objects.get().status == OutboxStatus.FAILED


def test_an_unknown_action_is_refused_when_queued() -> None:
    with pytest.raises(ValueError, match="unknown"):
        queue_call("send_everyone_a_coupon", {}, ordering_key="x")


@pytest.mark.django_db(transaction=True)
def test_parallel_workers_make_each_call_once() -> None:
    sim = make_simulator(corp_id=CORP_ID)
    with wired(sim):
        configs = [
            str(wecom_client().add_contact_way(f"s{i}", ["ChenJing"])["config_id"])
            for i in range(12)
        ]
        for config_id in configs:
            _update(config_id, "WangQiang")

        def work() -> None:
            while drain_outbox():
                pass

        errors = run_together(4, work)
    assert errors == []
    assert sim.errcodes(UPDATE) == [0] * 12
    assert set(OutboundCall.objects.values_list("status", flat=True)) == {OutboxStatus.DONE}


def test_wecom_check_names_calls_that_failed_for_good() -> None:
    from siyu.integrations.wecom.check import check_outbox

    assert check_outbox().ok
    call = queue_call("del_contact_way", {"config_id": "c"}, ordering_key="way:c")
    OutboundCall.objects.filter(pk=call.pk).update(
        status=OutboxStatus.FAILED, last_error="errcode 48002 api forbidden"
    )
    result = check_outbox()
    assert not result.ok
    assert "1 WeCom call(s)" in result.detail
    assert "48002" in result.detail


def test_calls_done_a_week_ago_are_pruned_and_failed_ones_kept() -> None:
    old, recent, failed = (
        queue_call("del_contact_way", {"config_id": c}, ordering_key=f"way:{c}") for c in "abc"
    )
    week_ago = timezone.now() - timedelta(days=8)
    OutboundCall.objects.filter(pk=old.pk).update(status=OutboxStatus.DONE, done_at=week_ago)
    OutboundCall.objects.filter(pk=recent.pk).update(
        status=OutboxStatus.DONE, done_at=timezone.now()
    )
    OutboundCall.objects.filter(pk=failed.pk).update(status=OutboxStatus.FAILED, done_at=week_ago)
    assert outbox.prune_outbox() == 1
    assert set(OutboundCall.objects.values_list("pk", flat=True)) == {recent.pk, failed.pk}
