"""The demo brand simulator: plan people deterministically, then load them.

``plan_people`` is a pure function of (customers, seed, now): no database, no clock. The
loaders decide how rows are written: through the customer verbs for demo-sized brands, in
bulk for benchmark-sized ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from siyu.demo.catalog import DEFAULT_CUSTOMERS, DEFAULT_NOW, DEFAULT_SEED
from siyu.demo.people import make_person, phone_for
from siyu.demo.personas import PERSONA_COUNT, personas
from siyu.demo.plan import PersonPlan, plan_digest

# How many people go through the customer verbs (real identity resolution, merges, shared
# phone flags): the personas and enough ordinary people to show them. The verbs resolve at
# ~90 ms a person here, so the rest of the brand is written in bulk to keep `siyu demo`
# under a minute; `verb_people=customers` puts everyone through the verbs.
VERB_PEOPLE = 300
MIN_CUSTOMERS = PERSONA_COUNT + 10

Progress = Callable[[int], None]


@dataclass(frozen=True)
class SimulationResult:
    people: int
    customers: int
    orders: int
    events: int
    bulk: bool


def plan_people(
    customers: int = DEFAULT_CUSTOMERS, seed: int = DEFAULT_SEED, now: datetime = DEFAULT_NOW
) -> Iterator[PersonPlan]:
    """The personas first, then ordinary people, ``customers`` in all."""
    if customers < MIN_CUSTOMERS:
        raise ValueError(f"the demo brand needs at least {MIN_CUSTOMERS} customers")
    yield from personas(seed, [phone_for(seed, i) for i in range(PERSONA_COUNT)])
    for index in range(PERSONA_COUNT, customers):
        yield make_person(seed, index, now)


def plan_range(seed: int, start: int, stop: int, now: datetime = DEFAULT_NOW) -> list[PersonPlan]:
    """People [start, stop) of ``plan_people``'s order, planned without the ones before."""
    people = []
    if start < PERSONA_COUNT:
        phones = [phone_for(seed, i) for i in range(PERSONA_COUNT)]
        people += personas(seed, phones)[start:stop]
    people += [make_person(seed, index, now) for index in range(max(start, PERSONA_COUNT), stop)]
    return people


def digest(customers: int, seed: int, now: datetime = DEFAULT_NOW) -> str:
    return plan_digest(plan_people(customers, seed, now))


def simulate(
    customers: int = DEFAULT_CUSTOMERS,
    seed: int = DEFAULT_SEED,
    now: datetime = DEFAULT_NOW,
    *,
    verb_people: int = VERB_PEOPLE,
    progress: Progress | None = None,
    workers: int | None = None,
) -> SimulationResult:
    """Build the brand (org tree, staff) and its customers into an empty database;
    ``workers`` planning processes for the bulk part (None: chosen by its size)."""
    from django.conf import settings
    from django.utils import translation

    # The demo's stored texts (templates' SOP posts, slot names) are in the brand's
    # language, whatever language the calling thread last served a request in.
    with translation.override(settings.LANGUAGE_CODE):
        return _build(customers, seed, now, verb_people, progress, workers)


def _build(
    customers: int,
    seed: int,
    now: datetime,
    verb_people: int,
    progress: Progress | None,
    workers: int | None,
) -> SimulationResult:
    from siyu.demo.brand import build_brand
    from siyu.demo.bulk import load_bulk
    from siyu.demo.campaigns import build_campaigns
    from siyu.demo.channels import build_channels
    from siyu.demo.community import build_community
    from siyu.demo.content import build_content
    from siyu.demo.journeys import build_journeys
    from siyu.demo.koc import build_koc_group
    from siyu.demo.load import load_people
    from siyu.demo.loyalty import build_loyalty
    from siyu.demo.referrals import build_referrals
    from siyu.demo.workbench import build_workbench

    brand = build_brand()
    build_channels(now)
    people = plan_people(customers, seed, now)
    verbs = load_people(brand, islice(people, verb_people), progress=progress)
    rest = load_bulk(
        brand, seed, now, min(verb_people, customers), customers, progress=progress, workers=workers
    )
    build_campaigns(now)
    build_loyalty(now)
    build_referrals(now)
    build_content(now)
    build_community(now)
    build_koc_group(now)
    build_workbench(brand.chen_jing)
    build_journeys(now)
    return SimulationResult(
        people=verbs.people + rest.people,
        customers=rest.customers,
        orders=verbs.orders + rest.orders,
        events=verbs.events,
        bulk=rest.people > 0,
    )
