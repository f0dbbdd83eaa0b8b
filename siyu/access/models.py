"""API keys for integrations (POS, mini-program backend, ETL jobs): one key per integration,
so one can be revoked without touching the others."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiKey(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    # The first characters of the key, shown in lists so an operator can tell keys apart;
    # too short to help anyone guess the rest.
    prefix = models.CharField(max_length=16)
    # SHA-256 of the full key. The key itself is shown once at creation and never stored,
    # so a database dump does not hand out working credentials.
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


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
