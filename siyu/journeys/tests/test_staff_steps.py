"""The staff-task and material steps, wired to the workbench and the content library: a
task for the customer's owner made once per visit, its closing an event the journey can
wait for, and a material sent through the send verb."""

from __future__ import annotations

from datetime import timedelta

import pytest

from siyu.content.library import MaterialInput, save_material
from siyu.content.models import ContentSend
from siyu.demo.brand import Brand
from siyu.journeys.engine import advance_due
from siyu.journeys.entries import Entrant, enroll
from siyu.journeys.models import StepEffect
from siyu.journeys.tests.factories import chain, make_journey
from siyu.messaging.models import Send
from siyu.messaging.tests.factories import NOW, make_customer
from siyu.workbench.models import Task, TaskKind

pytestmark = pytest.mark.django_db


def test_a_task_step_gives_the_owner_one_task_and_a_customer_without_owner_is_skipped(
    brand: Brand,
) -> None:
    journey = make_journey(
        chain({"type": "task", "title": "24 小时内致电新客", "task_kind": "call", "due_hours": 24})
    )
    owned = make_customer("有主", owner=brand.chen_jing)
    alone = make_customer("无主")
    enroll(journey, [Entrant(owned.pk), Entrant(alone.pk)], source="api", at=NOW)
    advance_due(now=NOW)
    advance_due(now=NOW + timedelta(seconds=1))  # a second pass makes nothing twice
    task = Task.objects.get()
    assert (task.customer_id, task.staff_id, task.kind) == (
        owned.pk,
        brand.chen_jing.pk,
        TaskKind.CALL,
    )
    assert task.source == "journey"
    assert task.due_at == NOW + timedelta(hours=24)
    skipped = StepEffect.objects.get(enrollment__customer=alone, step="s0")
    assert skipped.outcome == "skipped"
    assert skipped.reason == "no_owner"


def test_a_material_step_sends_the_material_through_the_send_verb(brand: Brand) -> None:
    article = save_material(
        MaterialInput(
            title="手冲入门",
            kind="article",
            text="{name}，看看这篇",
            url="https://brand.example.com/a",
        )
    )
    journey = make_journey(chain({"type": "material", "material_id": article.pk}))
    people = [make_customer(n, owner=brand.chen_jing) for n in ("甲", "乙")]
    enroll(journey, [Entrant(c.pk) for c in people], source="api", at=NOW)
    advance_due(now=NOW)
    sends = Send.objects.filter(plan__source="journey")
    assert sorted(sends.values_list("customer_id", flat=True)) == sorted(c.pk for c in people)
    assert ContentSend.objects.filter(material=article).exists()
