"""The two action kinds that live in other apps: a staff task (siyu/workbench) and a
material from the library (siyu/content). Registered with the built-in kinds.

A task goes to the customer's primary owner, keyed by the enrollment's visit of the step
(``Item.key``), so a repeated batch finds the same task; its completion or overdue
timeout comes back as the customer events ``task_done`` / ``task_overdue``, which a wait
step can match on ``source_key``. A material is rendered once for the batch (the content
of a mass task is the same for every recipient; readers are known by their WeChat
openid) and goes through the send verb like any message, so caps, budget, quiet hours
and consent apply.
"""

from __future__ import annotations

from datetime import timedelta

from siyu.content.models import Material
from siyu.content.render import render_material
from siyu.customers.models import Customer
from siyu.journeys.actions import Batch, Result, register
from siyu.journeys.builtin import send_message
from siyu.workbench.models import TaskKind
from siyu.workbench.tasks import create_task

DEFAULT_DUE_HOURS = 24


def task_action(batch: Batch) -> dict[int, Result]:
    cfg = batch.config
    kind = str(cfg.get("task_kind") or TaskKind.CHAT)
    if kind not in TaskKind.values:
        kind = TaskKind.CHAT
    hours = cfg.get("due_hours")
    due_at = batch.at + timedelta(
        hours=hours if isinstance(hours, int) and 0 < hours <= 24 * 90 else DEFAULT_DUE_HOURS
    )
    material = cfg.get("material_id")
    owners = dict(
        Customer.objects.filter(pk__in=[i.customer_id for i in batch.items]).values_list(
            "pk", "primary_owner_id"
        )
    )
    results: dict[int, Result] = {}
    for item in batch.items:
        owner = owners.get(item.customer_id)
        if owner is None:
            results[item.enrollment_id] = Result("skipped", "no_owner")
            continue
        task = create_task(
            customer_id=item.customer_id,
            staff_id=owner,
            kind=kind,
            title=str(cfg.get("title") or TaskKind(kind).label),
            due_at=due_at,
            source="journey",
            source_key=item.key,
            material_id=material if isinstance(material, int) and material > 0 else None,
            payload={"journey_id": batch.journey_id, "step": batch.step},
        )
        results[item.enrollment_id] = Result("done", "", {"task_id": task.pk})
    return results


def material_action(batch: Batch) -> dict[int, Result]:
    material_id = batch.config.get("material_id")
    if not isinstance(material_id, int) or not Material.objects.filter(pk=material_id).exists():
        return {i.enrollment_id: Result("skipped", "no_material") for i in batch.items}
    first = batch.items[0]
    ref = f"journey:{batch.journey_id}:{batch.step}:{first.enrollment_id}.{first.visit}"
    message = render_material(material_id, None, send_ref=ref)
    return send_message(batch, message)


def register_staff_steps() -> None:
    register("task", task_action)
    register("material", material_action)
