"""The change feed: one row per write that can change what a customer is (see
siyu/customers/changes.py for the contract consumers rely on)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeKind(models.TextChoices):
    EVENT = "event", _("Event")
    ORDER = "order", _("Order")
    REFUND = "refund", _("Refund")
    TAG = "tag", _("Tag")
    CONSENT = "consent", _("Consent")
    PROFILE = "profile", _("Profile field")
    IDENTITY = "identity", _("Identity")
    FOLLOW = "follow", _("Follow or owner")
    MERGE = "merge", _("Merge or unmerge")


class CustomerChange(models.Model):
    """Append-only. ``customer_id`` is a plain number, not a foreign key: a merge must not
    re-point history (the merge itself is a change row of both profiles), and the feed
    outlives nothing it refers to for longer than its retention."""

    id = models.BigAutoField(primary_key=True)
    customer_id = models.BigIntegerField()
    kind = models.CharField(max_length=10, choices=ChangeKind.choices)
    # The row that changed (event id, order id, tag id…), when there is one.
    ref = models.BigIntegerField(null=True, blank=True)
    # A few small facts a consumer can route on without a read ({"type": "purchase"}).
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="change_created")]


class FeedCursor(models.Model):
    """How far one consumer has read the feed, and who holds its lease right now."""

    consumer = models.CharField(max_length=60, unique=True)
    # Position of the last change handled: (transaction number, id); see changes.py.
    position_tx = models.BigIntegerField(default=0)
    position_id = models.BigIntegerField(default=0)
    leased_by = models.CharField(max_length=64, blank=True, default="")
    leased_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
