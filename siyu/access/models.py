"""API keys for integrations (POS, mini-program backend, ETL jobs): one key per integration,
so one can be revoked without touching the others, each with only the scopes it needs and a
per-minute request budget."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_RATE_PER_MINUTE = 600


class Scope(models.TextChoices):
    """What a key may call; every API operation names exactly one."""

    INGEST_PROFILES = "ingest:profiles", _("Ingest customer profiles")
    INGEST_EVENTS = "ingest:events", _("Ingest events")
    INGEST_ORDERS = "ingest:orders", _("Ingest orders")
    LOOKUP = "customers:lookup", _("Look up a customer by identifier")
    SEGMENTS_READ = "segments:read", _("Read segments and layering")
    MINIPROGRAM = "miniprogram", _("Mini-program backend")


# What keys created before scopes existed were given by the migration: everything they could
# do except looking customers up, which reads profile fields of any phone number a caller
# tries and so is granted only on purpose (`manage.py api_key scopes NAME ...`).
LEGACY_SCOPES = [
    Scope.INGEST_PROFILES.value,
    Scope.INGEST_EVENTS.value,
    Scope.INGEST_ORDERS.value,
    Scope.SEGMENTS_READ.value,
]


class ApiKey(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    # The first characters of the key, shown in lists so an operator can tell keys apart;
    # too short to help anyone guess the rest.
    prefix = models.CharField(max_length=16)
    # SHA-256 of the full key. The key itself is shown once at creation and never stored,
    # so a database dump does not hand out working credentials.
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    rate_per_minute = models.PositiveIntegerField(
        _("requests per minute"), default=DEFAULT_RATE_PER_MINUTE
    )
    # The request counter of the current minute, moved only by conditional UPDATEs
    # (siyu/access/ratelimit.py), so parallel requests never over-count or under-count.
    window_start = models.DateTimeField(null=True, blank=True, editable=False)
    window_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate_per_minute__gte=1), name="api_key_rate_at_least_one"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: str) -> bool:
        return scope in self.scopes

    def scope_labels(self) -> list[str]:
        return [str(label) for value, label in Scope.choices if value in self.scopes]


class ThrottleScope(models.TextChoices):
    USERNAME = "username", _("username")
    ADDRESS = "address", _("client address")


class LoginThrottle(models.Model):
    """Wrong passwords counted per username and per client address, and the lock they
    earned (see siyu/access/throttle.py). One row per key, updated under a row lock."""

    scope = models.CharField(max_length=10, choices=ThrottleScope.choices)
    key = models.CharField(max_length=150)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="login_throttle_one_row_per_key")
        ]
        indexes = [models.Index(fields=["last_failure_at"], name="login_throttle_last_failure")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key} ({self.failures})"
