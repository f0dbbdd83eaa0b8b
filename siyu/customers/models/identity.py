from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.customers.models.profile import Customer


class IdentityStatus(models.TextChoices):
    LINKED = "linked", _("Linked")
    # Seen with more people than one person can be (a store's shared phone): kept, never
    # used to join profiles, shown for review.
    SHARED = "shared", _("Shared, not used for linking")


class Identity(models.Model):
    # No index of its own: identity_customer_type leads with it, and every index is one
    # more write per identifier an import or a callback stores.
    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="identities",
        db_index=False,
    )
    type = models.CharField(_("type"), max_length=40)
    namespace = models.CharField(_("namespace"), max_length=64, blank=True, default="")
    # Normalised value; for personal data (phone, email) the blind index instead.
    value = models.CharField(_("value"), max_length=128)
    value_encrypted = models.TextField(blank=True, default="")
    last4 = models.CharField(max_length=4, blank=True, default="")
    status = models.CharField(
        max_length=10, choices=IdentityStatus.choices, default=IdentityStatus.LINKED
    )
    source = models.CharField(max_length=40, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["type", "namespace", "value"], name="identity_unique_value"
            )
        ]
        indexes = [models.Index(fields=["customer", "type"], name="identity_customer_type")]
        verbose_name_plural = "identities"


class IdentityLink(models.Model):
    """Evidence that two identifiers belong to one person (seen on one event or row).

    Stored once per pair with ``a_id < b_id``. Profiles are the connected components of
    these links over identifiers that are not shared; ``blocked`` links (an operator's
    unmerge) are ignored.
    """

    # Indexed through the unique pair (a, b) and identity_link_b_a (b, a), which lead with them.
    a = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="+", db_index=False)
    b = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="+", db_index=False)
    blocked = models.BooleanField(default=False)
    source = models.CharField(max_length=40, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["a", "b"], name="identity_link_unique_pair"),
            models.CheckConstraint(condition=models.Q(a__lt=models.F("b")), name="link_a_lt_b"),
        ]
        indexes = [models.Index(fields=["b", "a"], name="identity_link_b_a")]


class MergeRecord(models.Model):
    """One merge of ``merged`` into ``survivor``, with what moved, so it can be undone."""

    survivor = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=200)
    moved = models.JSONField(default=dict)
    survivor_before = models.JSONField(default=dict)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )


class ReviewKind(models.TextChoices):
    SHARED_IDENTIFIER = "shared_identifier", _("Identifier shared by several people")
    MERGE_LIMIT = "merge_limit", _("Profile reached its merge limit")
    CAP_EXCEEDED = "cap_exceeded", _("Profile holds more identifiers of a type than allowed")
    MERGE_REFUSED = "merge_refused", _("An app refused to merge the two profiles")


class ReviewFlag(models.Model):
    kind = models.CharField(max_length=20, choices=ReviewKind.choices)
    identity = models.ForeignKey(
        Identity, null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    detail = models.JSONField(default=dict)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["kind", "resolved_at"], name="review_open")]
