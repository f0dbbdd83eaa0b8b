"""The demo brand runs its journeys: onboarding walked by the engine, with counts per step,
conversions against the holdout and the owner's tasks; running it again adds nothing."""

from __future__ import annotations

import pytest

from siyu.demo.journeys import build_journeys
from siyu.demo.simulate import simulate
from siyu.journeys.models import Conversion, Enrollment, Journey, JourneyStatus
from siyu.journeys.stats import step_counts, summarize
from siyu.workbench.models import Task


@pytest.mark.django_db
def test_the_demo_runs_onboarding_through_the_engine() -> None:
    simulate(80, seed=7, verb_people=80)
    assert Journey.objects.filter(status=JourneyStatus.ACTIVE).count() == 4
    onboarding = Journey.objects.get(template="onboarding")
    summary = summarize(onboarding)
    assert summary.entered > 0
    assert summary.held > 0
    counts = step_counts(onboarding)
    assert counts["gift"].entered > 0
    assert counts["task"].entered > 0
    assert Task.objects.filter(source="journey").exists()
    assert Conversion.objects.filter(journey=onboarding).exists()
    before = Enrollment.objects.count()
    build_journeys(onboarding.created_at)
    assert Enrollment.objects.count() == before
