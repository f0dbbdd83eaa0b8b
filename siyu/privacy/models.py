"""Privacy requests under PIPL (access, correction, deletion, withdrawal), their audit
trail, export archives, and the tombstones a deletion leaves."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.core.fields import EncryptedTextField
from siyu.customers.models import Customer


class RequestKind(models.TextChoices):
    ACCESS = "access", _("Access / copy")
    CORRECTION = "correction", _("Correction")
    DELETION = "deletion", _("Deletion")
    WITHDRAWAL = "withdrawal", _("Consent withdrawal")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    REJECTED = "rejected", _("Rejected")


class RaisedBy(models.TextChoices):
    OPERATOR = "operator", _("An operator")
    CUSTOMER = "customer", _("The customer (member centre)")


class PrivacyRequest(models.Model):
    # Kept after a deletion (the proof it was answered), pointing at the anonymous stub.
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=RequestKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    raised_by = models.CharField(max_length=10, choices=RaisedBy.choices)
    # For a withdrawal: the purpose; for a correction: the fields asked about (names only).
    scope = models.JSONField(default=dict, blank=True)
    due_at = models.DateTimeField(_("due"))
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "due_at"], name="privacy_request_queue")]


class RequestStep(models.Model):
    """The request's audit trail: who did what, when. Field names and counts, never the
    values (a deletion must not keep what it deleted)."""

    request = models.ForeignKey(PrivacyRequest, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()


class ExportArchive(models.Model):
    """One access/copy archive (JSON), encrypted at rest, removed after its retention."""

    request = models.ForeignKey(PrivacyRequest, on_delete=models.CASCADE, related_name="exports")
    content = EncryptedTextField(blank=True, default="")
    tables = models.JSONField(default=dict)  # rows per table, for the console
    created_at = models.DateTimeField(db_index=True)


class Tombstone(models.Model):
    """A keyed hash of one identifier of a deleted person: resolution refuses to create a
    profile from it again (siyu/privacy/tombstones.py says when it is lifted)."""

    digest = models.CharField(max_length=64, unique=True)
    # All tombstones of one deletion share the number; lifting one lifts them all.
    erasure = models.PositiveBigIntegerField(db_index=True)
    created_at = models.DateTimeField()
