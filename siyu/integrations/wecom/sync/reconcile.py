"""Nightly reconciliation: our open follows against WeCom's, per staff, drift repaired.

WeCom is the truth for who follows whom. A relation WeCom has and we lack (a lost
callback) is added; one we have and WeCom lacks (a missed delete) is ended — ended, not
deleted, so the history stays — and recorded as ``wecom_follow_reconciled_removed``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from siyu.core.models import Staff
from siyu.customers.events import record_event
from siyu.customers.follows import unfollow_customer
from siyu.customers.models import Customer, CustomerFollow, Identity, Tag
from siyu.integrations.wecom.client.api import WeComClient
from siyu.integrations.wecom.sync.contacts import (
    EXTERNAL,
    apply_relation,
    iter_contacts,
    mirror_corp_tags,
)
from siyu.integrations.wecom.sync.full import known_staff
from siyu.integrations.wecom.syncstate.models import RunKind, RunStatus, SyncRun

REMOVED_EVENT = "wecom_follow_reconciled_removed"


def our_relations(staff: Staff, corp_id: str) -> dict[int, set[str]]:
    """Customers this staff member follows (open) → their external userids in this corp."""
    followed = CustomerFollow.objects.filter(staff=staff, ended_at__isnull=True).values(
        "customer_id"
    )
    rows = Identity.objects.filter(
        type=EXTERNAL, namespace=corp_id, customer_id__in=followed
    ).values_list("customer_id", "value")
    relations: dict[int, set[str]] = {}
    for customer_id, value in rows:
        relations.setdefault(int(customer_id), set()).add(value)
    return relations


@transaction.atomic
def end_follow(run: SyncRun, staff: Staff, customer: Customer, external_ids: Iterable[str]) -> None:
    now = timezone.now()
    unfollow_customer(customer, staff, at=now)
    record_event(
        customer,
        type=REMOVED_EVENT,
        occurred_at=now,
        properties={"user_id": staff.wecom_userid, "external_user_ids": sorted(external_ids)},
        source="wecom",
        idempotency_key=f"wecom:reconcile:{run.pk}:{staff.pk}:{customer.pk}",
    )


def reconcile_staff(
    client: WeComClient, run: SyncRun, staff: Staff, tags: dict[str, Tag], counts: Counter[str]
) -> None:
    ours = our_relations(staff, client.corp_id)
    ours_ext = set().union(*ours.values()) if ours else set()
    theirs: set[str] = set()
    local: Counter[str] = Counter()
    for item in iter_contacts(client, str(staff.wecom_userid)):
        ext = str((item.get("external_contact") or {}).get("external_userid", ""))
        theirs.add(ext)
        if ext not in ours_ext:
            apply_relation(item, staff, client.corp_id, tags, local)
    counts["added"] += local["follows_added"]
    customers = Customer.objects.in_bulk(list(ours))
    for customer_id, external_ids in ours.items():
        if external_ids & theirs:
            counts["unchanged"] += 1
        else:
            end_follow(run, staff, customers[customer_id], external_ids)
            counts["removed"] += 1


def reconcile_follows(client: WeComClient) -> SyncRun:
    now = timezone.now()
    run = SyncRun.objects.create(kind=RunKind.RECONCILE, created_at=now, updated_at=now)
    counts: Counter[str] = Counter(added=0, removed=0, unchanged=0)
    errors: list[dict[str, str]] = []
    staff, unknown = known_staff(client)
    tags = mirror_corp_tags(client, Counter())
    for member in staff:
        try:
            reconcile_staff(client, run, member, tags, counts)
        except Exception as exc:  # one staff's failure must not stop the others' repair
            errors.append({"userid": str(member.wecom_userid), "error": repr(exc)[:500]})
    run.counts, run.errors, run.unknown_userids = dict(counts), errors, unknown
    run.status = RunStatus.FAILED if errors and not staff else RunStatus.DONE
    run.finished_at = run.updated_at = timezone.now()
    run.save()
    return run
