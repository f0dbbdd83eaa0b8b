"""Who gets nothing: the journey's holdout (enters, is counted, receives nothing) and the
brand-wide global control group (stable buckets by customer; no journey messages it)."""

from __future__ import annotations

from collections.abc import Iterable

from siyu.journeys.models import ControlGroup
from siyu.journeys.steps import bucket


def control_setting() -> ControlGroup:
    row = ControlGroup.objects.order_by("pk").first()
    return row if row is not None else ControlGroup(percent=0)


def in_control(customer_id: int, setting: ControlGroup) -> bool:
    return bucket("control", setting.salt, customer_id) < setting.percent * 100


def control_members(customer_ids: Iterable[int]) -> set[int]:
    setting = control_setting()
    if setting.percent <= 0:
        return set()
    return {c for c in customer_ids if in_control(c, setting)}


def in_holdout(journey_id: int, customer_id: int, percent: int) -> bool:
    return percent > 0 and bucket("holdout", journey_id, customer_id) < percent * 100
