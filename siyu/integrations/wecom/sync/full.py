"""`siyu wecom sync`: staff, tags, contacts per staff (checkpointed per page), groups.

A run stays ``running`` until its last step; starting a sync again picks the unfinished
run up and skips staff already done, continuing each other staff at its saved cursor.
Every step goes through idempotent verbs, so a page replayed after a crash (applied but
not yet checkpointed) changes nothing the second time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from siyu.core.models import Staff
from siyu.customers.models import Tag
from siyu.integrations.wecom.client.api import WeComClient
from siyu.integrations.wecom.group_members import mirror_chat
from siyu.integrations.wecom.sync.contacts import apply_relation, fetch_page, mirror_corp_tags
from siyu.integrations.wecom.syncstate.models import RunKind, RunStatus, SyncCheckpoint, SyncRun

# (userid, staff done so far, staff in total) after each page; drives the progress bar.
Progress = Callable[[str, int, int], None]


def _open_run(restart: bool) -> SyncRun:
    now = timezone.now()
    unfinished = SyncRun.objects.filter(kind=RunKind.FULL).exclude(status=RunStatus.DONE)
    if restart:
        unfinished.update(status=RunStatus.FAILED, updated_at=now)
    else:
        run = unfinished.order_by("-created_at", "-pk").first()
        if run is not None:
            return run
    return SyncRun.objects.create(kind=RunKind.FULL, created_at=now, updated_at=now)


def _save(run: SyncRun, counts: Counter[str], **extra: object) -> None:
    run.counts = dict(counts)
    run.updated_at = timezone.now()
    for name, value in extra.items():
        setattr(run, name, value)
    run.save()


def known_staff(client: WeComClient) -> tuple[list[Staff], list[str]]:
    """Staff with customer contact that we know by wecom_userid, and the userids we don't."""
    userids = client.follow_user_list()
    staff = {str(s.wecom_userid): s for s in Staff.objects.filter(wecom_userid__in=userids)}
    ordered = [staff[u] for u in sorted(staff)]
    return ordered, sorted(set(userids) - set(staff))


def _sync_staff(
    client: WeComClient, run: SyncRun, staff: Staff, tags: dict[str, Tag], counts: Counter[str]
) -> None:
    userid = str(staff.wecom_userid)
    point, _ = SyncCheckpoint.objects.get_or_create(
        run=run, userid=userid, defaults={"updated_at": timezone.now()}
    )
    while not point.done:
        items, next_cursor = fetch_page(client, userid, point.cursor)
        for item in items:
            apply_relation(item, staff, client.corp_id, tags, counts)
        with transaction.atomic():
            point.cursor, point.done = next_cursor, not next_cursor
            point.pages += 1
            point.updated_at = timezone.now()
            point.save()
            _save(run, counts)


def sync_groups(client: WeComClient, counts: Counter[str]) -> None:
    for brief in client.groupchats():
        outcome = mirror_chat(client, str(brief["chat_id"]), int(brief.get("status") or 0))
        if outcome != "unchanged":
            counts[f"groups_{outcome}"] += 1


def run_full_sync(
    client: WeComClient, *, restart: bool = False, progress: Progress | None = None
) -> SyncRun:
    run = _open_run(restart)
    counts: Counter[str] = Counter(run.counts)
    try:
        staff, unknown = known_staff(client)
        _save(run, counts, unknown_userids=unknown)
        tags = mirror_corp_tags(client, counts)
        for done, member in enumerate(staff):
            _sync_staff(client, run, member, tags, counts)
            if progress is not None:
                progress(str(member.wecom_userid), done + 1, len(staff))
        sync_groups(client, counts)
    except Exception as exc:
        # Left "running" on purpose: the next `siyu wecom sync` resumes this run.
        run.errors = [*run.errors, repr(exc)[:500]]
        _save(run, counts)
        raise
    _save(run, counts, status=RunStatus.DONE, finished_at=timezone.now())
    return run
