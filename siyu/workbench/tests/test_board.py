from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from siyu.analytics.periods import last_days
from siyu.customers.follows import unfollow_customer
from siyu.customers.orders import OrderInput, import_order
from siyu.demo.brand import Brand
from siyu.workbench.board import board
from siyu.workbench.models import Outcome, QuotaMetric
from siyu.workbench.quotas import BadQuota, quotas_for, set_quota
from siyu.workbench.sweep import sweep
from siyu.workbench.tasks import finish_task
from siyu.workbench.tests.factories import make_customer, make_task

pytestmark = pytest.mark.django_db


def _day_of_work(brand: Brand) -> None:
    chen = brand.chen_jing
    people = [make_customer(chen) for _ in range(4)]
    unfollow_customer(people[0], chen)
    buyer = people[1]
    import_order(buyer, OrderInput("miniprogram", "B-1", timezone.now(), total_fen=9900, paid_fen=9900))  # fmt: skip
    finish_task(make_task(people[2], chen).pk, Outcome.REACHED)
    make_task(people[3], chen, due_in=timedelta(hours=-1))
    sweep()


def test_the_staff_board_counts_a_reps_day(brand: Brand) -> None:
    _day_of_work(brand)
    set_quota(metric=QuotaMetric.NEW_CONTACTS, target=8, org_unit=brand.chen_jing.org_unit)
    set_quota(metric=QuotaMetric.TASKS_DONE, target=2, staff=brand.chen_jing)
    rows = {r.key: r for r in board(brand.lin_yue.user, last_days(1))}
    chen = rows[brand.chen_jing.pk]
    assert (chen.added, chen.ended, chen.done, chen.overdue) == (4, 1, 1, 1)
    assert (chen.converted, chen.gmv_fen) == (1, 9900)
    assert chen.unfollow_rate == pytest.approx(0.25)
    assert chen.attainment(QuotaMetric.NEW_CONTACTS) == pytest.approx(0.5)
    assert chen.attainment(QuotaMetric.TASKS_DONE) == pytest.approx(0.5)
    assert chen.overall == pytest.approx(0.5)
    # The store quota applies to the manager of that store too; the rep's own wins for her.
    assert rows[brand.wang_qiang.pk].targets == {QuotaMetric.NEW_CONTACTS: 8}


def test_store_and_region_rows_add_up_their_staff(brand: Brand) -> None:
    _day_of_work(brand)
    stores = {r.label: r for r in board(brand.lin_yue.user, last_days(1), "store")}
    assert stores["上海静安店"].added == 4
    assert stores["上海静安店"].gmv_fen == 9900
    regions = {r.label: r for r in board(brand.lin_yue.user, last_days(1), "region")}
    assert regions["华东区"].done == 1
    assert regions["华南区"].added == 0


def test_the_board_is_scoped_by_role(brand: Brand) -> None:
    _day_of_work(brand)
    assert [r.key for r in board(brand.chen_jing.user, last_days(1))] == [brand.chen_jing.pk]
    his = {r.key for r in board(brand.wang_qiang.user, last_days(1))}
    assert brand.chen_jing.pk in his
    assert all(r.unit == "上海静安店" for r in board(brand.wang_qiang.user, last_days(1)))


def test_quotas_need_one_holder_and_zero_removes(brand: Brand) -> None:
    with pytest.raises(BadQuota):
        set_quota(metric=QuotaMetric.NEW_CONTACTS, target=5)
    with pytest.raises(BadQuota):
        set_quota(metric="smiles", target=5, staff=brand.chen_jing)
    set_quota(metric=QuotaMetric.NEW_CONTACTS, target=15, staff=brand.chen_jing)
    assert quotas_for([brand.chen_jing])[brand.chen_jing.pk][QuotaMetric.NEW_CONTACTS].target == 15
    set_quota(metric=QuotaMetric.NEW_CONTACTS, target=0, staff=brand.chen_jing)
    assert quotas_for([brand.chen_jing])[brand.chen_jing.pk] == {}
