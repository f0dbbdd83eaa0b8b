"""Publishing a journey's graph as a new immutable version, moving waiting enrollments
between versions, and the lifecycle verbs (pause, resume, archive)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.journeys.graph import Problem, validate
from siyu.journeys.models import (
    Enrollment,
    EnrollmentStatus,
    Finish,
    Journey,
    JourneyStatus,
    JourneyVersion,
)


class NotPublishable(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


def _check_map(migrate: dict[str, str], graph: dict[str, object]) -> None:
    steps = graph["steps"]
    assert isinstance(steps, dict)  # noqa: S101 - validated above
    bad = [new for new in migrate.values() if new not in steps]
    if bad:
        raise NotPublishable([Problem(bad[0], _("The migration map names a missing step."))])


@transaction.atomic
def publish(journey: Journey, *, migrate: dict[str, str] | None = None) -> JourneyVersion:
    """Freeze the draft as the next version and start it. ``migrate`` maps an old step to
    a new one: waiting enrollments of earlier versions at a mapped step move to the new
    version there; the others finish on the version they started on."""
    problems = validate(journey.draft)
    if problems:
        raise NotPublishable(problems)
    journey = Journey.objects.select_for_update().get(pk=journey.pk)
    if journey.status == JourneyStatus.ARCHIVED:
        raise NotPublishable([Problem("", _("An archived journey cannot be published."))])
    if migrate:
        _check_map(migrate, journey.draft)
    last = journey.versions.aggregate(n=Max("number"))["n"] or 0
    version = JourneyVersion.objects.create(
        journey=journey, number=last + 1, graph=journey.draft, published_at=timezone.now()
    )
    if migrate:
        migrate_enrollments(journey, version, migrate)
    journey.current = version
    if journey.status == JourneyStatus.DRAFT:
        journey.status = JourneyStatus.ACTIVE
    journey.save(update_fields=["current", "status", "updated_at"])
    return version


def migrate_enrollments(journey: Journey, version: JourneyVersion, migrate: dict[str, str]) -> int:
    waiting = Enrollment.objects.filter(journey=journey, status=EnrollmentStatus.WAITING).exclude(
        version=version
    )
    moved = 0
    for old, new in migrate.items():
        # Waiting for an event: its two exits must both be mapped, or it stays.
        rows = list(waiting.filter(step=old))
        for row in rows:
            if row.wait_event:
                target = migrate.get(str(row.wait_event.get("next")))
                if target is None:
                    continue
                row.wait_event = {**row.wait_event, "next": target}
            row.version, row.step = version, new
            moved += 1
        Enrollment.objects.bulk_update(rows, ["version", "step", "wait_event"], batch_size=500)
    return moved


@transaction.atomic
def pause(journey: Journey, at: datetime | None = None) -> None:
    Journey.objects.filter(pk=journey.pk, status=JourneyStatus.ACTIVE).update(
        status=JourneyStatus.PAUSED, paused_at=at or timezone.now()
    )


@transaction.atomic
def resume(journey: Journey, *, retime: bool = False, at: datetime | None = None) -> None:
    """``retime``: every waiting enrollment's due time moves by how long the journey was
    paused (a two-day wait stays two days); otherwise what fell due while paused runs now."""
    now = at or timezone.now()
    row = Journey.objects.select_for_update().get(pk=journey.pk)
    if row.status != JourneyStatus.PAUSED:
        return
    if retime and row.paused_at is not None:
        Enrollment.objects.filter(
            journey=row, status=EnrollmentStatus.WAITING, due_at__isnull=False
        ).update(due_at=F("due_at") + (now - row.paused_at))
    row.status, row.paused_at = JourneyStatus.ACTIVE, None
    row.save(update_fields=["status", "paused_at", "updated_at"])


@transaction.atomic
def archive(journey: Journey, at: datetime | None = None) -> int:
    """Stop the journey: no one enters, every waiting enrollment finishes now."""
    now = at or timezone.now()
    Journey.objects.filter(pk=journey.pk).update(status=JourneyStatus.ARCHIVED)
    return Enrollment.objects.filter(journey=journey, status=EnrollmentStatus.WAITING).update(
        status=EnrollmentStatus.FINISHED, finish=Finish.ARCHIVED, finished_at=now, due_at=None
    )
