"""State every process calling WeCom must share: one token per app, one rate counter per
corp and API, and media ids that expire after 3 days."""

from __future__ import annotations

from django.db import models


class AccessToken(models.Model):
    corp_id = models.CharField(max_length=64)
    # Which secret (app) the token belongs to: a hash of the secret, never the secret.
    app = models.CharField(max_length=64)
    token_encrypted = models.TextField(blank=True, default="")
    # Already shortened by the refresh margin; None = must refresh (revoked or never fetched).
    expires_at = models.DateTimeField(null=True, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    fetch_count = models.PositiveIntegerField(default=0)
    # A process fetching a new token holds this lease (no lock: gettoken is a network call
    # and must not run inside a transaction); the others wait for its result.
    refreshing_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["corp_id", "app"], name="wecom_token_unique_app")
        ]


class RateWindow(models.Model):
    """Calls made in one fixed window (a minute or an hour) for one corp and API path."""

    corp_id = models.CharField(max_length=64)
    api = models.CharField(max_length=100)
    span_seconds = models.PositiveIntegerField()
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["corp_id", "api", "span_seconds", "window_start"],
                name="wecom_rate_window_unique",
            )
        ]
        indexes = [models.Index(fields=["window_start"], name="wecom_rate_window_start")]


class MediaUpload(models.Model):
    """Temporary media (images for welcome cards…): WeCom forgets them after 3 days."""

    corp_id = models.CharField(max_length=64)
    key = models.CharField(max_length=200)
    media_type = models.CharField(max_length=10)
    media_id = models.CharField(max_length=200)
    uploaded_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["corp_id", "key"], name="wecom_media_unique_key")
        ]
