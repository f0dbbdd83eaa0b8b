"""Periodic WeCom work: nightly reconciliation and transfer result polling."""

from __future__ import annotations

import logging

from django.core.exceptions import ImproperlyConfigured
from django_tasks import task

from siyu.integrations.wecom.transport import wecom_client
from siyu.worker.recovery import repeatable

log = logging.getLogger(__name__)


@repeatable
@task()
def reconcile_follows_task() -> dict[str, int]:
    from siyu.integrations.wecom.sync.reconcile import reconcile_follows

    try:
        client = wecom_client()
    except ImproperlyConfigured:
        # A deployment without WeCom yet: nothing to compare with, not an error each night.
        log.info("wecom reconciliation skipped: WeCom is not configured")
        return {}
    return dict(reconcile_follows(client).counts)


@repeatable
@task()
def poll_transfers_task() -> int:
    from siyu.integrations.wecom.syncstate.models import TransferJob
    from siyu.integrations.wecom.transfer import poll_transfers

    if not TransferJob.objects.filter(finished=False).exists():
        return 0
    return poll_transfers(wecom_client())
