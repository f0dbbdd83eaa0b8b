"""Retention: each kind of data is kept no longer than its limit, then deleted or emptied
by a worker job, in chunks (one short transaction each), reporting what it removed.

Apps declare their kinds from ``AppConfig.ready`` with ``register_retention``; the limits
are days, overridable per kind with ``SIYU_RETENTION_DAYS`` (a dict in settings, filled
from ``SIYU_RETENTION_<KIND>_DAYS``). The defaults, chosen to keep what the product and
the brand's obligations need and nothing longer:

================  =======  ==============================================================
kind              days     what goes
================  =======  ==============================================================
wecom_inbox       30       raw WeCom callbacks, 30 days after they were applied
events            1095     behaviour events older than three years
audit_log         1095     audit records older than three years (PIPL keeps 3 years)
import_files      30       a finished import's file and error report (the job row stays)
exports           7        access/copy archives, a week after they were made
================  =======  ==============================================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise

Rows = Callable[[datetime], models.QuerySet[Any]]


@dataclass(frozen=True)
class RetentionRule:
    kind: str
    label: str | Promise
    days: int
    rows: Rows  # the rows past the limit, given the cutoff
    # Empty these fields instead of deleting the row (None: delete).
    blank: dict[str, Any] | None = field(default=None)

    def limit_days(self) -> int:
        return int(getattr(settings, "SIYU_RETENTION_DAYS", {}).get(self.kind, self.days))


RULES: dict[str, RetentionRule] = {}
CHUNK = 1000


def register_retention(rule: RetentionRule) -> None:
    RULES[rule.kind] = rule


def _purge(rule: RetentionRule, cutoff: datetime, chunk: int) -> int:
    done, last = 0, 0
    while True:
        ids = list(
            rule.rows(cutoff)
            .filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:chunk]
        )
        if not ids:
            return done
        manager = rule.rows(cutoff).model._default_manager
        with transaction.atomic():
            if rule.blank is None:
                manager.filter(pk__in=ids).delete()
            else:
                manager.filter(pk__in=ids).update(**rule.blank)
        done, last = done + len(ids), ids[-1]


def apply_retention(now: datetime | None = None, *, chunk: int = CHUNK) -> dict[str, int]:
    """Remove what is past its limit in every kind; rows removed (or emptied) per kind."""
    now = now or timezone.now()
    report = {}
    for kind, rule in sorted(RULES.items()):
        report[kind] = _purge(rule, now - timedelta(days=rule.limit_days()), chunk)
    return report
