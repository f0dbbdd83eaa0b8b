"""Retry a whole transaction when PostgreSQL aborts it for a deadlock or a serialization
failure: two resolutions locking overlapping profiles in different orders is expected
under load, and the loser simply runs again on the winner's committed state."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import OperationalError, connection

T = TypeVar("T")
log = logging.getLogger(__name__)
RETRYABLE_SQLSTATES = {"40001", "40P01"}  # serialization_failure, deadlock_detected


def retry_on_conflict(work: Callable[[], T], attempts: int = 10) -> T:
    for attempt in range(attempts):
        try:
            return work()
        except OperationalError as exc:
            code = getattr(getattr(exc, "__cause__", None), "sqlstate", None)
            retryable = code in RETRYABLE_SQLSTATES or "database is locked" in str(exc)
            if not retryable or attempt == attempts - 1 or connection.in_atomic_block:
                raise
            log.info("retrying after %s (attempt %d)", code or exc, attempt + 1)
            time.sleep(random.uniform(0.005, 0.05) * (attempt + 1))  # noqa: S311 - jitter
    raise AssertionError("unreachable")


# SQLite's busy handler sleeps up to 100 ms between tries, so a writer that commits and
# begins again at once can keep every other writer (a WeCom callback being stored) waiting
# for as long as its chunks last. Between the chunks of a long write it steps aside for
# longer than one such sleep.
SQLITE_STEP_ASIDE_SECONDS = 0.12


def pause_for_other_writers() -> None:
    """Call between the chunk transactions of a long write."""
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        time.sleep(SQLITE_STEP_ASIDE_SECONDS)
