"""Background work of the privacy app."""

from __future__ import annotations

import logging

from django_tasks import task

from siyu.privacy.retention import apply_retention as apply_retention_rules
from siyu.worker.recovery import repeatable

log = logging.getLogger(__name__)


@repeatable
@task()
def apply_retention() -> dict[str, int]:
    """Daily: delete what is past its retention (chunked; a partial run is safe to repeat)."""
    report = apply_retention_rules()
    log.info("retention removed %s", report)
    return report
