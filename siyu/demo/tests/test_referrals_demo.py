"""The demo's fission in 山茶咖啡: 赵蕾 completed the 任务宝 (three friends into the store
group, a gift box from the stock), mentors a two-level ambassador tree whose friends'
orders earned settled commission, and tops the KOC list."""

from __future__ import annotations

import pytest

from siyu.customers.models import Customer, CustomerStatus
from siyu.demo.simulate import simulate
from siyu.referrals.koc import score_kocs
from siyu.referrals.models import Commission, Programme, ProgrammeKind, TaskGift

pytestmark = pytest.mark.django_db


def test_zhao_lei_completes_the_task_mentors_ambassadors_and_is_the_top_koc() -> None:
    simulate(40, seed=7, verb_people=40)
    zhao = Customer.objects.get(display_name="赵蕾", status=CustomerStatus.ACTIVE)
    task = Programme.objects.get(kind=ProgrammeKind.TASK)
    assert TaskGift.objects.get(programme=task).customer_id == zhao.pk
    assert task.referrals.filter(status="qualified").count() == 4
    levels = set(Commission.objects.values_list("level", "status"))
    assert levels == {(1, "settled"), (2, "settled")}
    assert set(Commission.objects.filter(level=2).values_list("ambassador_id", flat=True)) == {
        zhao.pk
    }
    assert score_kocs(1)[0].customer_id == zhao.pk
