"""Merge two profiles into one, and undo it.

A merge re-points every row that hangs off the merged profile (identities, tags, events,
orders, follows, consents, and every other app's rows) to the survivor through the hooks
each app registers (``merge_hooks.py``), and records exactly what each did, so ``unmerge``
can put them back. Peers (Segment, PostHog) cannot undo a merge; we can.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.core.audit import record_audit
from siyu.core.pii import decrypt_pii, encrypt_pii
from siyu.customers.acquisition import earliest
from siyu.customers.changes import NewChange, append_changes
from siyu.customers.merge_hooks import merge_rows, state_of, unmerge_rows
from siyu.customers.models import (
    ChangeKind,
    Customer,
    CustomerStatus,
    Identity,
    IdentityLink,
    MergeRecord,
)

# Profile fields the survivor takes from the merged profile when its own are empty.
FILLABLE = (
    "display_name",
    "real_name",
    "address",
    "phone_last4",
    "gender",
    "birthday",
    "region",
    "occupation",
    "interests",
    "spending_power",
    "primary_owner_id",
    "org_unit_id",
)
PII_FIELDS = {"real_name", "address"}
EMPTY: tuple[Any, ...] = (None, "", [], "unknown", "prospect")

Actor = AbstractBaseUser | AnonymousUser | None


def _is_empty(field: str, value: Any) -> bool:
    return value in EMPTY if field not in ("gender", "spending_power") else value == "unknown"


def _fill_survivor(survivor: Customer, merged: Customer) -> dict[str, Any]:
    before: dict[str, Any] = {}
    for field in FILLABLE:
        mine, theirs = getattr(survivor, field), getattr(merged, field)
        if _is_empty(field, mine) and not _is_empty(field, theirs):
            before[field] = _snapshot_value(field, mine)
            setattr(survivor, field, theirs)
    survivor.first_seen_at = earliest(survivor.first_seen_at, merged.first_seen_at)
    if "primary_owner_id" in before and survivor.org_unit_id != merged.org_unit_id:
        # The store is the owner's store (scope.py): it comes with the owner taken over.
        before.setdefault("org_unit_id", survivor.org_unit_id)
        survivor.org_unit_id = merged.org_unit_id
    if merged.created_at < survivor.created_at:
        before["created_at"] = survivor.created_at.isoformat()
        survivor.created_at = merged.created_at
    return before


def _snapshot_value(field: str, value: Any) -> Any:
    # Snapshots live in JSON: personal data stays encrypted there too.
    if field in PII_FIELDS:
        return encrypt_pii(value or "")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def merge_customers(
    survivor: Customer, merged: Customer, *, reason: str, actor: Actor = None
) -> MergeRecord:
    """Merge ``merged`` into ``survivor``. Caller holds row locks on both (resolve.py does)."""
    if survivor.pk == merged.pk:
        raise ValueError("cannot merge a profile into itself")
    if merged.status != CustomerStatus.ACTIVE or survivor.status != CustomerStatus.ACTIVE:
        raise ValueError("only active profiles can be merged")
    with transaction.atomic():
        now = timezone.now()
        # Every app's rows, its own included, through the hooks each app registered.
        moved: dict[str, Any] = {"rows": merge_rows(survivor.pk, merged.pk)}
        survivor_before = _fill_survivor(survivor, merged)
        survivor_before["merge_count"] = survivor.merge_count
        survivor_before["needs_review"] = survivor.needs_review
        survivor.merge_count += merged.merge_count + 1
        survivor.needs_review = survivor.needs_review or merged.needs_review
        survivor.save()
        merged.status = CustomerStatus.MERGED
        merged.merged_into = survivor
        merged.save(update_fields=["status", "merged_into", "updated_at"])
        record = MergeRecord.objects.create(
            survivor=survivor,
            merged=merged,
            reason=reason,
            moved=moved,
            survivor_before=survivor_before,
            actor=_user(actor),
            created_at=now,
        )
        _append_merge_changes(survivor, merged, record, undone=False)
        record_audit(
            actor,
            "customer.merge",
            "customer",
            survivor.pk,
            merged=merged.pk,
            reason=reason,
            record=record.pk,
        )
        return record


def _append_merge_changes(
    survivor: Customer, merged: Customer, record: MergeRecord, *, undone: bool
) -> None:
    # Both profiles changed: the survivor gained (or gave back) rows, the merged one left.
    data = {"survivor": survivor.pk, "merged": merged.pk, "undone": undone}
    append_changes(
        NewChange(pk, ChangeKind.MERGE, ref=record.pk, data=data) for pk in (survivor.pk, merged.pk)
    )


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


def _restore_survivor(survivor: Customer, before: dict[str, Any]) -> None:
    for field, value in before.items():
        if field == "merge_count":
            continue
        if field in PII_FIELDS:
            value = decrypt_pii(value)
        elif field in ("birthday", "created_at") and value:
            value = Customer._meta.get_field(field).to_python(value)  # type: ignore[union-attr]
        setattr(survivor, field, value)


def unmerge(record: MergeRecord, *, actor: Actor = None) -> Customer:
    """Put the merged profile back as it was, and block the links that joined the two so
    identity resolution does not merge them again on the same evidence."""
    with transaction.atomic():
        record = MergeRecord.objects.select_for_update().get(pk=record.pk)
        if record.undone_at is not None:
            raise ValueError("this merge was already undone")
        later = _later_merge(record)
        if later is not None:
            raise UnmergeOutOfOrder(record, later)
        # Both profiles in primary-key order, the order every merge locks them in.
        locked = Customer.objects.select_for_update().filter(
            pk__in=[record.merged_id, record.survivor_id]
        )
        profiles = {c.pk: c for c in locked.order_by("pk")}
        merged, survivor = profiles[record.merged_id], profiles[record.survivor_id]
        state = state_of(record.moved)
        unmerge_rows(state, merged.pk)
        _restore_survivor(survivor, record.survivor_before)
        survivor.merge_count = max(0, survivor.merge_count - merged.merge_count - 1)
        survivor.save()
        merged.status = CustomerStatus.ACTIVE
        merged.merged_into = None
        merged.save(update_fields=["status", "merged_into", "updated_at"])
        _block_links_between(state.get("customers.Identity", {}).get("moved", []), survivor)
        record.undone_at = timezone.now()
        record.undone_by = _user(actor)
        record.save(update_fields=["undone_at", "undone_by"])
        _append_merge_changes(survivor, merged, record, undone=True)
        record_audit(
            actor, "customer.unmerge", "customer", merged.pk, survivor=survivor.pk, record=record.pk
        )
        return merged


class UnmergeOutOfOrder(ValueError):
    """A later merge moved the survivor's rows on (or added to them): undo that one first.

    Undoing in reverse order is what keeps an undo exact: after A→S and then S→T, A's rows
    are T's, and after A→S and X→S, S's fields and rows hold X's too."""

    def __init__(self, record: MergeRecord, later: MergeRecord) -> None:
        self.later = later
        super().__init__(
            _(
                "Undo merge #%(later)s (profile #%(later_merged)s into #%(later_survivor)s) "
                "first: it came after merge #%(record)s and involves profile #%(profile)s."
            )
            % {
                "later": later.pk,
                "later_merged": later.merged_id,
                "later_survivor": later.survivor_id,
                "record": record.pk,
                "profile": record.survivor_id,
            }
        )


def _later_merge(record: MergeRecord) -> MergeRecord | None:
    """The newest merge still in force, after ``record``, that involves its survivor."""
    touching = Q(survivor_id=record.survivor_id) | Q(merged_id=record.survivor_id)
    later = MergeRecord.objects.filter(touching, pk__gt=record.pk, undone_at__isnull=True)
    return later.order_by("-pk").first()


def _block_links_between(merged_identity_ids: list[int], survivor: Customer) -> None:
    mine = set(merged_identity_ids)
    theirs = set(Identity.objects.filter(customer=survivor).values_list("pk", flat=True))
    IdentityLink.objects.filter(
        (Q(a_id__in=mine) & Q(b_id__in=theirs)) | (Q(a_id__in=theirs) & Q(b_id__in=mine))
    ).update(blocked=True)
