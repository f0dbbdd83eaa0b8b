"""The callback inbox: every accepted WeCom callback, stored before we answer "success"."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class InboxStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    DONE = "done", _("done")
    # Gave up after repeated errors; no longer blocks later events of its ordering key.
    FAILED = "failed", _("failed")


class CallbackInbox(models.Model):
    corp_id = models.CharField(_("corp id"), max_length=64)
    # MsgId when WeCom sends one, else a hash of the decrypted payload: WeCom retries send
    # the same plaintext, and tag events carry no id at all.
    # Unique by a constraint, not unique=True: on PostgreSQL that would add a second,
    # pattern-ops index nothing queries, maintained on every acknowledgement.
    idempotency_key = models.CharField(_("idempotency key"), max_length=100)
    # Events sharing this key (one staff–customer pair, one chat, one tag) apply in id order.
    ordering_key = models.CharField(_("ordering key"), max_length=255)
    event = models.CharField(_("event"), max_length=64, blank=True)
    change_type = models.CharField(_("change type"), max_length=64, blank=True)
    payload = models.TextField(_("decrypted payload"))
    status = models.CharField(
        _("status"), max_length=10, choices=InboxStatus.choices, default=InboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # After a failed attempt: not tried again before this.
    retry_at = models.DateTimeField(_("retry at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"))
    # The (timestamp, nonce) WeCom signed this delivery with; a second request carrying the
    # same pair is a replay. Kept on the row so that storing a callback is one INSERT.
    # Null on rows stored before the pair moved here.
    nonce_timestamp = models.BigIntegerField(_("nonce timestamp"), null=True, blank=True)
    nonce = models.CharField(_("nonce"), max_length=64, null=True, blank=True)  # noqa: DJ001 - NULLs never clash in the unique pair; "" would
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("WeCom callback")
        verbose_name_plural = _("WeCom callbacks")
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="wecom_inbox_key_once"),
            models.UniqueConstraint(
                fields=["nonce_timestamp", "nonce"], name="wecom_inbox_nonce_once"
            ),
        ]
        indexes = [
            models.Index(
                fields=["ordering_key", "id"],
                condition=Q(status="pending"),
                name="wecom_inbox_pending_key",
            ),
            models.Index(
                fields=["received_at"],
                condition=Q(status="pending"),
                name="wecom_inbox_pending_age",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event}/{self.change_type} #{self.pk}"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    DONE = "done", _("done")
    # WeCom refused for good, or every retry failed: kept for an operator to inspect.
    FAILED = "failed", _("failed")


class OutboundCall(models.Model):
    """A WeCom call decided inside a transaction and made by the worker after commit:
    no network call ever holds a database transaction (or SQLite's one write lock) open.
    Calls are idempotent, so a worker killed mid-call may make one again."""

    action = models.CharField(_("action"), max_length=64)
    payload = models.JSONField(_("payload"), default=dict)
    # Calls sharing this key (one contact way, one tag) are made in id order.
    ordering_key = models.CharField(_("ordering key"), max_length=255)
    idempotency_key = models.CharField(_("idempotency key"), max_length=160)
    status = models.CharField(
        _("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # Not attempted before this: the backoff after a failure, and the lease of the worker
    # making the call (a worker that died lets its lease run out, and another one retries).
    due_at = models.DateTimeField(_("due at"))
    created_at = models.DateTimeField(_("created at"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("WeCom outbound call")
        verbose_name_plural = _("WeCom outbound calls")
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="wecom_outbox_key_once")
        ]
        indexes = [
            models.Index(
                fields=["due_at"], condition=Q(status="pending"), name="wecom_outbox_pending_due"
            ),
            models.Index(
                fields=["ordering_key", "id"],
                condition=Q(status="pending"),
                name="wecom_outbox_pending_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} #{self.pk} ({self.status})"
