"""Every shipped journey installs as a valid draft, publishes, and runs to a wait or end."""

from __future__ import annotations

import pytest

from siyu.journeys.engine import advance_due
from siyu.journeys.entries import Entrant, enroll
from siyu.journeys.graph import validate
from siyu.journeys.templates import SHIPPED, install
from siyu.journeys.tests.factories import plain_customers
from siyu.journeys.versions import publish
from siyu.messaging.tests.factories import NOW

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("key", sorted(SHIPPED))
def test_a_shipped_journey_installs_publishes_and_runs(key: str) -> None:
    journey = install(key, holdout_percent=0)
    assert validate(journey.draft) == []
    publish(journey)
    journey.refresh_from_db()
    people = plain_customers(3)
    assert enroll(journey, [Entrant(c.pk) for c in people], source="manual", at=NOW) == 3
    advance_due(now=NOW)
    assert journey.enrollments.filter(visit__gt=0).count() == 3
