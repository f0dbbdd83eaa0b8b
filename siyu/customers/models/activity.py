from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.customers.models.profile import Customer


class Event(models.Model):
    """Append-only behaviour log. Never updated; merges only re-point ``customer``."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=60)
    occurred_at = models.DateTimeField()
    properties = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=40, blank=True, default="")
    idempotency_key = models.CharField(max_length=128, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="event_customer_time"),
            models.Index(fields=["type", "occurred_at"], name="event_type_time"),
        ]


class ConsentPurpose(models.TextChoices):
    MARKETING = "marketing", _("Marketing messages")
    ANALYSIS = "analysis", _("Analysis")
    UGC_REUSE = "ugc_reuse", _("Reuse of reviews and UGC")


class Consent(models.Model):
    """Append-only: a withdrawal is a new row with ``granted=False``, never a deletion."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=20, choices=ConsentPurpose.choices)
    granted = models.BooleanField()
    policy_version = models.CharField(max_length=20)
    source = models.CharField(max_length=40)
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["customer", "purpose", "-occurred_at"], name="consent_cur")]
