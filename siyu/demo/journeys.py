"""The demo brand's journeys: the shipped templates installed and published, recent
contacts walked through new-contact onboarding by the real engine (welcome gift through
the send verb, a tag, the owner's task, the three-day wait, the first-order branch), and
some of them ordering within the goal window, so the journey list and the first screen
show counts per step and a lift against the 10 % holdout.

The enrolments start ``DAYS_AGO`` days before the demo's ``now`` and the engine is run at
the moments their steps fall due, as a worker would have run it; orders reach the journeys
through the same change-feed handler the worker polls. Running it again adds nothing:
entry is once per customer and orders are keyed by number.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from siyu.content.models import Material, MaterialKind
from siyu.customers.changes import latest_position, read_visible_changes
from siyu.customers.models import Customer, CustomerFollow, Platform
from siyu.customers.orders import OrderInput, import_order
from siyu.journeys.engine import advance_due
from siyu.journeys.entries import Entrant, enroll
from siyu.journeys.feed import handle_changes
from siyu.journeys.models import Journey
from siyu.journeys.templates import install
from siyu.journeys.versions import publish

DAYS_AGO = 5
CONTACTS = 300  # the most recent WeCom contacts enrolled in onboarding
ORDERING = 0.2  # of them, who order after the nudge
LIVE = ("onboarding", "sop_funnel", "review", "birthday")


def _material_steps(journey: Journey) -> None:
    """The SOP funnel's content steps send the library's articles (chosen in the builder)."""
    articles = list(
        Material.objects.filter(kind=MaterialKind.ARTICLE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not articles:
        return
    steps = journey.draft["steps"]
    for i, step in enumerate(s for s in steps.values() if s.get("type") == "material"):
        step["material_id"] = articles[i % len(articles)]
    journey.save(update_fields=["draft"])


def _drain(at: datetime) -> None:
    while advance_due(now=at):
        pass


def _orders(people: list[int], at: datetime, seed: int) -> None:
    rng = random.Random(seed)
    position = latest_position()
    for pk in rng.sample(people, int(len(people) * ORDERING)):
        amount = rng.choice((3900, 5800, 12900))
        import_order(
            Customer.objects.get(pk=pk),
            OrderInput(Platform.MINIPROGRAM, f"JRN-{pk}", at, amount, amount),
        )
    changes, _ = read_visible_changes(position, limit=10_000)
    handle_changes(changes, now=at)


def build_journeys(now: datetime, seed: int = 7) -> list[Journey]:
    if Journey.objects.filter(template="onboarding").exists():
        return list(Journey.objects.all())
    made = {key: install(key) for key in LIVE}
    _material_steps(made["sop_funnel"])
    for journey in made.values():
        publish(journey)
        journey.refresh_from_db()
    start = now - timedelta(days=DAYS_AGO)
    recent = (
        CustomerFollow.objects.filter(ended_at__isnull=True, customer__status="active")
        .order_by("-customer_id")
        .values_list("customer_id", flat=True)
        .distinct()[:CONTACTS]
    )
    people = list(recent)
    enroll(made["onboarding"], [Entrant(pk) for pk in people], source="demo", at=start)
    _drain(start)
    _drain(start + timedelta(days=3, minutes=1))  # the wait ends: branch, nudge
    _orders(people, start + timedelta(days=4), seed)
    return list(made.values())
