"""Journeys: a graph of steps in immutable published versions, the enrollments walking it,
and one effect row per step an enrollment ran (the exactly-once key)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from siyu.customers.models import Customer


class JourneyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Running")
    PAUSED = "paused", _("Paused")
    ARCHIVED = "archived", _("Archived")


class Reentry(models.TextChoices):
    NEVER = "never", _("Never again")
    COOLDOWN = "cooldown", _("After a cooldown")
    ALWAYS = "always", _("Always")


class Journey(models.Model):
    name = models.CharField(_("name"), max_length=100)
    status = models.CharField(max_length=10, choices=JourneyStatus.choices, default="draft")
    # The graph being edited; a published version copies it and never changes.
    draft = models.JSONField(default=dict, blank=True)
    # {"kind": "event"|"segment"|"tag"|"order"|"date"|"api"|"manual"|"audience", ...}
    entry = models.JSONField(default=dict, blank=True)
    reentry = models.CharField(max_length=10, choices=Reentry.choices, default="never")
    cooldown_seconds = models.PositiveIntegerField(default=0)
    # More than one waiting enrollment per customer at a time.
    concurrent = models.BooleanField(default=False)
    holdout_percent = models.PositiveSmallIntegerField(default=0)
    # Enrollments advanced per minute at most (0: no limit).
    rate_per_minute = models.PositiveIntegerField(default=0)
    # {"event": "order_paid", "window_days": 30, "ends": true}; or entering a segment in
    # the window: {"segment": 4, "window_days": 14}
    goal = models.JSONField(default=dict, blank=True)
    # [{"event": "unsubscribe"}, {"segment_exit": 4}, {"goal": true}]
    exits = models.JSONField(default=list, blank=True)
    current = models.ForeignKey(
        "JourneyVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # "version:step" of a random split → the index of the path that won.
    winners = models.JSONField(default=dict, blank=True)
    # When a date-relative or recurring audience entry next runs.
    next_entry_at = models.DateTimeField(null=True, blank=True)
    template = models.CharField(max_length=40, blank=True, default="")
    paused_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class ImmutableVersion(Exception):
    pass


class JourneyVersion(models.Model):
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    graph = models.JSONField()
    published_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["journey", "number"], name="journey_version_number")
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Running enrollments stay on their version: a published graph never changes.
        if self.pk is not None:
            raise ImmutableVersion(self.pk)
        super().save(*args, **kwargs)


class EnrollmentStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    FINISHED = "finished", _("Finished")


class Finish(models.TextChoices):
    DONE = "done", _("Reached the end")
    EXITED = "exited", _("Met an exit criterion")
    GOAL = "goal", _("Reached the goal")
    HOLDOUT = "holdout", _("Held out")
    ARCHIVED = "archived", _("Journey archived")
    MOVED = "moved", _("Moved to another journey")
    STOPPED = "stopped", _("Stopped by an operator")


class Enrollment(models.Model):
    """Waiting: ``step`` runs next, at ``due_at`` (NULL: only an event moves it, see
    ``wait_event``). Finished: ``finish`` says why."""

    # No single-column indexes on journey and customer: journey_enrol_step and
    # journey_enrol_customer lead with them, and every index is one more write per
    # enrollment the engine moves (PostgreSQL's updates of due_at and step are not HOT).
    journey = models.ForeignKey(
        Journey, on_delete=models.CASCADE, related_name="enrollments", db_index=False
    )
    version = models.ForeignKey(JourneyVersion, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    status = models.CharField(max_length=10, choices=EnrollmentStatus.choices, default="waiting")
    step = models.CharField(max_length=40, blank=True, default="")
    # Steps this enrollment has run: the visit number of its next effect.
    visit = models.PositiveIntegerField(default=0)
    due_at = models.DateTimeField(null=True, blank=True)
    # {"event": type, "match": {...}, "next": step} while waiting for an event.
    wait_event = models.JSONField(null=True, blank=True)
    # The entry's facts (event properties, order id) for property matches later.
    context = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=20, blank=True, default="")
    # What let her in (a change of the feed, an API call's key): entering twice is refused.
    entry_key = models.CharField(max_length=80, null=True, blank=True)  # noqa: DJ001 - NULL never clashes
    holdout = models.BooleanField(default=False)
    single = models.BooleanField(default=True)
    entered_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    finish = models.CharField(max_length=10, choices=Finish.choices, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(
                fields=["due_at"], name="journey_enrol_due", condition=Q(status="waiting")
            ),
            models.Index(fields=["customer", "journey"], name="journey_enrol_customer"),
            models.Index(fields=["journey", "status", "step"], name="journey_enrol_step"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["journey", "customer"],
                condition=Q(status="waiting", single=True),
                name="journey_one_waiting",
            ),
            # Partial: most entries carry no key, and an index entry per keyless row was
            # one more write of every state change (updates of step and due_at are not HOT).
            models.UniqueConstraint(
                fields=["journey", "entry_key"],
                condition=Q(entry_key__isnull=False),
                name="journey_entry_once",
            ),
        ]


class EffectOutcome(models.TextChoices):
    DONE = "done", _("Done")
    BLOCKED = "blocked", _("Blocked")
    SKIPPED = "skipped", _("Skipped")
    WAITING = "waiting", _("Waiting")
    EXITED = "exited", _("Exited")


class StepEffect(models.Model):
    """What one visit of one step did, written with the transition that follows it: a
    step run again after a crash meets this row and does nothing."""

    # Indexed through journey_effect_once and journey_effect_step, which lead with them:
    # a step writes one row here per enrollment, each index is one more write. No
    # database-level foreign keys either: only the engine writes these rows, for the
    # enrollments it holds locked in the same transaction, and deletes cascade through the
    # ORM; PostgreSQL checked each row's two keys again at commit (a third of a batch).
    enrollment = models.ForeignKey(
        Enrollment,
        on_delete=models.CASCADE,
        related_name="effects",
        db_index=False,
        db_constraint=False,
    )
    version = models.ForeignKey(
        JourneyVersion,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    step = models.CharField(max_length=40)
    visit = models.PositiveIntegerField()
    kind = models.CharField(max_length=20)
    outcome = models.CharField(max_length=10, choices=EffectOutcome.choices)
    reason = models.CharField(max_length=60, blank=True, default="")
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "version", "step", "visit"], name="journey_effect_once"
            )
        ]
        indexes = [models.Index(fields=["version", "step"], name="journey_effect_step")]


class Conversion(models.Model):
    """An enrollment (holdout too) reaching the journey's goal inside its window, with the
    step it was at: attribution per step and lift against the holdout."""

    enrollment = models.OneToOneField(Enrollment, on_delete=models.CASCADE, related_name="+")
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="+")
    step = models.CharField(max_length=40, blank=True, default="")
    revenue_fen = models.BigIntegerField(default=0)
    converted_at = models.DateTimeField()


class WebhookCall(models.Model):
    """Outbox of the webhook action: written with the step, called by the worker after
    commit (no network call inside a transaction)."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=500)
    body = models.JSONField(default=dict)
    status = models.CharField(max_length=10, default="pending")  # pending|sending|delivered|failed
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    # Taken by a worker (siyu/integrations/webhook/journey_calls.py); a claim older than
    # the lease is a dead worker's and is taken again.
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True, default="")


class ControlGroup(models.Model):
    """The brand-wide global control group: customers whose stable bucket (0-99) is below
    ``percent`` enter journeys but are never messaged by any."""

    percent = models.PositiveSmallIntegerField(default=0)
    salt = models.CharField(max_length=20, default="siyu")
    updated_at = models.DateTimeField(auto_now=True)
