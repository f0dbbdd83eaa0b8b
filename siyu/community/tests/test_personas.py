"""Personas: moments planned through messaging's moments channel for every account that
operates the persona, completion per staff, and the persona's performance."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from siyu.community.personas import (
    SOURCE,
    PersonaError,
    completion,
    performance,
    plan_moment,
    save_persona,
)
from siyu.community.tests.factories import T0, make_person
from siyu.customers.follows import follow_customer
from siyu.customers.models import Order
from siyu.demo.brand import Brand
from siyu.messaging.models import Channel, Send, SendStatus

pytestmark = pytest.mark.django_db


def test_a_moment_is_planned_for_every_operating_account(brand: Brand) -> None:
    persona = save_persona(
        "咖啡师小山", staff=[brand.lin_yue, brand.chen_jing],
        certifications=["SCA 认证咖啡师", " "],
    )  # fmt: skip
    assert persona.certifications == ["SCA 认证咖啡师"]
    _moment, outcome = plan_moment(persona, "今天的手冲：耶加雪菲", timezone.now())
    sends = Send.objects.filter(source=SOURCE, channel=Channel.WECOM_MOMENT)
    assert sorted(sends.values_list("staff_id", flat=True)) == sorted(
        [brand.lin_yue.pk, brand.chen_jing.pk]
    )
    assert outcome.tasks == 1  # one moments task, executed by each account
    Send.objects.filter(source=SOURCE, staff_id=brand.lin_yue.pk).update(status=SendStatus.SENT)
    done = {c.staff_id: (c.posted, c.planned, c.percent) for c in completion(persona)}
    assert done == {brand.lin_yue.pk: (1, 1, 100), brand.chen_jing.pk: (0, 1, 0)}


def test_a_persona_without_accounts_cannot_post(brand: Brand) -> None:
    persona = save_persona("无人运营", staff=[])
    with pytest.raises(PersonaError):
        plan_moment(persona, "……", timezone.now())


def test_performance_counts_each_order_once_after_the_follow(brand: Brand) -> None:
    persona = save_persona("咖啡师小山", staff=[brand.lin_yue, brand.chen_jing])
    lei, min_ = make_person("赵蕾"), make_person("张敏")
    for person in (lei, min_):
        follow_customer(person, brand.lin_yue, at=T0)
        follow_customer(person, brand.chen_jing, at=T0)
    for n, at in enumerate([T0 - timedelta(days=1), T0 + timedelta(days=1)]):
        Order.objects.create(
            customer=lei, platform="miniprogram", order_no=f"p{n}", total_fen=5000,
            paid_fen=5000, paid_at=at,
        )  # fmt: skip
    figures = performance(persona)
    assert (figures.contacts, figures.buyers, figures.gmv_fen) == (2, 1, 5000)
    assert figures.conversion_percent == 50
