"""Periodic WeCom work: nightly reconciliation and transfer result polling."""

from __future__ import annotations

from django_tasks import task

from siyu.integrations.wecom.transport import configured_client, wecom_client
from siyu.worker.recovery import repeatable


@repeatable
@task()
def reconcile_follows_task() -> dict[str, int]:
    from siyu.integrations.wecom.sync.reconcile import reconcile_follows

    client = configured_client()
    return dict(reconcile_follows(client).counts) if client else {}


@repeatable
@task()
def poll_transfers_task() -> int:
    from siyu.integrations.wecom.transfer import poll_transfers
    from siyu.transfers.models import TransferJob

    if not TransferJob.objects.filter(finished=False).exists():
        return 0
    return poll_transfers(wecom_client())
