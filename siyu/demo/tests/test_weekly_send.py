"""The demo's weekly mass send goes out through staff the simulator makes confirm."""

from __future__ import annotations

from datetime import time as clock_time

import pytest

from siyu.demo.simulate import simulate
from siyu.demo.weekly_send import plan_weekly_send
from siyu.integrations.wecom.simulator.testing import make_simulator
from siyu.messaging.models import MessagingSettings, StaffTask

pytestmark = pytest.mark.django_db


def test_the_weekly_send_plans_one_task_per_owner_and_staff_behave() -> None:
    simulate(40, seed=7, verb_people=40)
    MessagingSettings.objects.create(quiet_start=clock_time(0), quiet_end=clock_time(0))
    sim = make_simulator()
    outcome = plan_weekly_send(sim)
    assert outcome.reached > 0
    assert StaffTask.objects.filter(plan=outcome.plan).count() == outcome.tasks > 0
    assert sim.behaviour[sim.world.staff[2]] is None
    again = plan_weekly_send(sim)  # the same week: nothing new
    assert again.counts == outcome.counts
