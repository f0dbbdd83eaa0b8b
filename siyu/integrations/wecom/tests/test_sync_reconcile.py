"""Nightly reconciliation: drift repaired both ways, counted and reported."""

from __future__ import annotations

import pytest

from siyu.customers.models import CustomerFollow, Event
from siyu.demo.brand import Brand
from siyu.integrations.wecom.sync.full import run_full_sync
from siyu.integrations.wecom.sync.reconcile import REMOVED_EVENT, reconcile_follows
from siyu.integrations.wecom.syncstate.models import RunKind, RunStatus, SyncRun
from siyu.integrations.wecom.tests.sync_factories import add_contact, corp, profile

pytestmark = pytest.mark.django_db


def test_reconciliation_repairs_drift_both_ways_and_reports(brand: Brand) -> None:
    sim, client = corp()
    add_contact(sim, "wmStay", "留下", ["ChenJing"])
    add_contact(sim, "wmGone", "离开", ["ChenJing", "WangQiang"])
    run_full_sync(client)
    # Callbacks lost while Siyu was down: one deletion, one new contact.
    sim.world.contacts["wmGone"].follows.pop("ChenJing")
    add_contact(sim, "wmNew", "新客", ["ChenJing"])

    run = reconcile_follows(client)

    assert run.kind == RunKind.RECONCILE
    assert run.status == RunStatus.DONE
    assert run.counts == {"added": 1, "removed": 1, "unchanged": 2}
    assert run.errors == []
    gone = profile("wmGone")
    assert gone is not None
    ended = CustomerFollow.objects.get(customer=gone, staff=brand.chen_jing)
    assert ended.ended_at is not None  # history kept: ended, not deleted
    assert gone.primary_owner == brand.wang_qiang
    assert Event.objects.filter(customer=gone, type=REMOVED_EVENT).count() == 1
    new = profile("wmNew")
    assert new is not None
    assert new.follows.get().staff == brand.chen_jing

    again = reconcile_follows(client)
    assert again.counts == {"added": 0, "removed": 0, "unchanged": 3}
    assert SyncRun.objects.filter(kind=RunKind.RECONCILE).count() == 2


def test_one_staff_failing_is_reported_and_the_others_repaired(brand: Brand) -> None:
    sim, client = corp()
    add_contact(sim, "wmA", "甲", ["WangQiang"])
    # ChenJing sorts first: its page is refused; WangQiang's relation is still added.
    sim.inject("/cgi-bin/externalcontact/batch/get_by_user", 48002)
    run = reconcile_follows(client)
    assert [e["userid"] for e in run.errors] == ["ChenJing"]
    assert run.counts["added"] == 1
