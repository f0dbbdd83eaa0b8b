"""Full sync against the simulator: creates, then changes nothing, and resumes."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from siyu.customers.models import Customer, CustomerFollow, CustomerTag, Event
from siyu.demo.brand import Brand
from siyu.groups.models import GroupChat
from siyu.integrations.wecom.client.api import WeComClient
from siyu.integrations.wecom.simulator.server import Simulator
from siyu.integrations.wecom.simulator.testing import make_client
from siyu.integrations.wecom.sync.contacts import BATCH_BY_USER
from siyu.integrations.wecom.sync.full import run_full_sync
from siyu.integrations.wecom.syncstate.models import RunStatus, SyncCheckpoint, SyncRun
from siyu.integrations.wecom.tests.sync_factories import add_contact, corp, profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(brand: Brand) -> Iterator[tuple[Simulator, WeComClient]]:
    sim, client = corp()
    group = client.add_corp_tag("会员等级", ["金卡", "银卡"])
    gold = group["tag"][0]["id"]
    add_contact(sim, "wmAlice", "林小满", ["ChenJing", "WangQiang"], unionid="oU-alice")
    add_contact(sim, "wmBob", "周一", ["ChenJing"], tag_ids=[gold])
    for n in range(250):  # three pages of 100 for Sales01
        add_contact(sim, f"wmBulk{n:03d}", f"客户{n}", ["Sales01"])
    sim.create_group("ChenJing", "静安店会员群", members=["wmAlice", "wmBob"])
    yield sim, client
    client.close()


def _snapshot() -> tuple[int, int, int, int, int]:
    return (
        Customer.objects.count(),
        CustomerFollow.objects.filter(ended_at__isnull=True).count(),
        CustomerTag.objects.count(),
        Event.objects.count(),
        GroupChat.objects.count(),
    )


def test_full_sync_creates_profiles_follows_tags_and_groups(
    world: tuple[Simulator, WeComClient], brand: Brand
) -> None:
    _, client = world
    seen: list[tuple[str, int, int]] = []
    run = run_full_sync(client, progress=lambda *a: seen.append(a))
    assert run.status == RunStatus.DONE
    assert run.unknown_userids == ["Ghost99"]
    alice = profile("wmAlice")
    assert alice is not None
    assert alice.display_name == "林小满"
    assert alice.identities.filter(type="wechat_unionid").exists()
    assert set(alice.follows.values_list("staff__wecom_userid", flat=True)) == {
        "ChenJing",
        "WangQiang",
    }
    bob = profile("wmBob")
    assert bob is not None
    assert bob.tag_links.filter(tag__group__name="会员等级", tag__name="金卡").exists()
    assert run.counts["customers_created"] == 252
    assert run.counts["follows_added"] == 253
    assert run.counts["tags_created"] == 2
    assert run.counts["tags_marked"] == 1
    assert GroupChat.objects.get().member_count == 3
    assert seen[-1][1:] == (len(seen), len(seen))


def test_second_sync_changes_nothing(world: tuple[Simulator, WeComClient]) -> None:
    _, client = world
    run_full_sync(client)
    before = _snapshot()
    again = run_full_sync(client)
    assert again.status == RunStatus.DONE
    assert _snapshot() == before
    assert not any(again.counts.values()), again.counts


class Interrupt(Exception):
    pass


def _failing_transport(sim: Simulator, fail_on_call: int) -> httpx.MockTransport:
    """The simulator, but the Nth batch/get_by_user request dies (like a killed process)."""
    inner = sim.transport()
    calls = {"n": 0}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == BATCH_BY_USER:
            calls["n"] += 1
            if calls["n"] == fail_on_call:
                raise Interrupt
        return inner.handle_request(request)

    return httpx.MockTransport(answer)


def test_interrupted_sync_resumes_from_its_checkpoint(
    world: tuple[Simulator, WeComClient],
) -> None:
    sim, client = world
    # Staff in userid order: ChenJing (1 page), LinYue (1), Sales01 (3 pages)… die on the
    # 4th call: Sales01's second page.
    broken = make_client(sim, transport=_failing_transport(sim, 4))
    with pytest.raises(Interrupt):
        run_full_sync(broken)
    run = SyncRun.objects.get()
    assert run.status == RunStatus.RUNNING
    point = SyncCheckpoint.objects.get(run=run, userid="Sales01")
    assert (point.pages, point.done, point.cursor) == (1, False, "100")
    assert CustomerFollow.objects.filter(staff__wecom_userid="Sales01").count() == 100

    pages_before = len(sim.errcodes(BATCH_BY_USER))
    resumed = run_full_sync(client)
    assert resumed.pk == run.pk
    assert resumed.status == RunStatus.DONE
    # Only Sales01's two remaining pages and the staff after it were fetched again.
    fetched = len(sim.errcodes(BATCH_BY_USER)) - pages_before
    remaining_staff = SyncCheckpoint.objects.filter(run=run).count() - 3
    assert fetched == 2 + remaining_staff
    assert CustomerFollow.objects.filter(staff__wecom_userid="Sales01").count() == 250
    assert resumed.counts["customers_created"] == 252


def test_restart_starts_a_new_run(world: tuple[Simulator, WeComClient]) -> None:
    sim, client = world
    with pytest.raises(Interrupt):
        run_full_sync(make_client(sim, transport=_failing_transport(sim, 2)))
    fresh = run_full_sync(client, restart=True)
    assert SyncRun.objects.get(status=RunStatus.FAILED).pk != fresh.pk
    assert fresh.status == RunStatus.DONE
