"""The demo brand gives 陈静 a day of work: tasks due today (some overdue), a quota, a
follow-up note on 张敏 and a loss alert from a customer who deleted her."""

from __future__ import annotations

import pytest

from siyu.demo.brand import load_brand
from siyu.demo.simulate import simulate
from siyu.demo.workbench import build_workbench
from siyu.workbench.models import FollowNote, LossAlert, Task, TaskRule, TaskState
from siyu.workbench.queries import at_risk, todays_tasks
from siyu.workbench.quotas import quotas_for
from siyu.workbench.tests.factories import notices


@pytest.mark.django_db
def test_chen_jings_workbench_in_the_demo() -> None:
    simulate(60, seed=7, verb_people=60)
    chen = load_brand().chen_jing
    today = todays_tasks(chen)
    assert len(today) >= 4
    assert any(t.state == TaskState.OVERDUE for t in today)
    assert set(quotas_for([chen])[chen.pk]) == {"new_contacts", "tasks_done"}
    assert FollowNote.objects.filter(customer__display_name="张敏").exists()
    alert = LossAlert.objects.get(staff=chen)
    assert notices(chen, "loss:") == [f"loss:{alert.pk}"]
    assert any(r.reason == "left" for r in at_risk(chen))
    assert TaskRule.objects.count() == 3
    # Run again the same day: nothing new.
    before = Task.objects.count()
    build_workbench(chen)
    assert Task.objects.count() == before
    assert LossAlert.objects.count() == 1
