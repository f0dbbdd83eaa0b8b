"""Merge two profiles into one, and undo it.

A merge re-points every row that hangs off the merged profile (identities, tags, events,
orders, follows, consents) to the survivor and records exactly which rows moved, so
``unmerge`` can put them back. Peers (Segment, PostHog) cannot undo a merge; we can.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from siyu.core.audit import record_audit
from siyu.core.pii import decrypt_pii, encrypt_pii
from siyu.customers.changes import NewChange, append_changes
from siyu.customers.models import (
    ChangeKind,
    Consent,
    Customer,
    CustomerFollow,
    CustomerStatus,
    CustomerTag,
    Event,
    Identity,
    IdentityLink,
    MergeRecord,
    Order,
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


def _move_unique(
    model: Any, unique_field: str, survivor: Customer, merged: Customer
) -> dict[str, Any]:
    """Move rows with a (customer, X) unique key; rows the survivor already has are kept
    aside as data (to recreate on unmerge) and deleted."""
    rows = list(model.objects.filter(customer=merged))
    taken = set(
        model.objects.filter(customer=survivor).values_list(f"{unique_field}_id", flat=True)
    )
    moved = [r.pk for r in rows if getattr(r, f"{unique_field}_id") not in taken]
    dropped = [_row_data(r) for r in rows if getattr(r, f"{unique_field}_id") in taken]
    model.objects.filter(pk__in=moved).update(customer=survivor)
    model.objects.filter(pk__in=[d["id"] for d in dropped]).delete()
    return {"moved": moved, "dropped": dropped}


# Rows this module moves explicitly (or must not move: the merge records themselves).
EXPLICIT = {Identity, Event, Order, Consent, CustomerTag, CustomerFollow, Customer, MergeRecord}


def _customer_relations() -> list[tuple[Any, str]]:
    """Every other app's table that points at a profile (attribution, segment members…),
    found from the model graph so a new app's rows follow merges without edits here."""
    found = []
    for rel in Customer._meta.get_fields(include_hidden=True):
        if not rel.auto_created or rel.concrete or not (rel.one_to_many or rel.one_to_one):
            continue
        if rel.related_model in EXPLICIT:
            continue
        found.append((rel.related_model, rel.field.name))  # type: ignore[union-attr]
    return found


def _move_other_apps(survivor: Customer, merged: Customer) -> dict[str, list[int]]:
    moved: dict[str, list[int]] = {}
    for model, field in _customer_relations():
        ids = []
        for pk in model.objects.filter(**{field: merged}).values_list("pk", flat=True):
            try:
                with transaction.atomic():
                    model.objects.filter(pk=pk).update(**{field: survivor})
            except IntegrityError:
                # The survivor already has its own (a first touch, a membership): theirs
                # stays with the merged profile and comes back on unmerge.
                continue
            ids.append(pk)
        if ids:
            moved[model._meta.label] = ids
    return moved


def _restore_other_apps(moved: dict[str, list[int]], merged: Customer) -> None:
    relations = {m._meta.label: (m, f) for m, f in _customer_relations()}
    for label, ids in moved.items():
        if label in relations:
            model, field = relations[label]
            model.objects.filter(pk__in=ids).update(**{field: merged})


def _row_data(row: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for f in row._meta.concrete_fields:
        value = getattr(row, f.attname)
        data[f.attname] = value.isoformat() if hasattr(value, "isoformat") else value
    return data


def _move_plain(model: Any, survivor: Customer, merged: Customer) -> list[int]:
    ids = list(model.objects.filter(customer=merged).values_list("pk", flat=True))
    model.objects.filter(pk__in=ids).update(customer=survivor)
    return ids


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
        moved: dict[str, Any] = {
            "identities": _move_plain(Identity, survivor, merged),
            "events": _move_plain(Event, survivor, merged),
            "orders": _move_plain(Order, survivor, merged),
            "consents": _move_plain(Consent, survivor, merged),
            "tags": _move_unique(CustomerTag, "tag", survivor, merged),
            "follows": _move_unique(CustomerFollow, "staff", survivor, merged),
            "other": _move_other_apps(survivor, merged),
        }
        survivor_before = _fill_survivor(survivor, merged)
        survivor_before["merge_count"] = survivor.merge_count
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


def _recreate(model: Any, rows: list[dict[str, Any]], customer: Customer) -> None:
    objs = []
    for data in rows:
        obj = model(**{k: v for k, v in data.items() if k != "customer_id"})
        obj.customer = customer
        for f in obj._meta.concrete_fields:
            setattr(obj, f.attname, f.to_python(getattr(obj, f.attname)))
        objs.append(obj)
    model.objects.bulk_create(objs)


def unmerge(record: MergeRecord, *, actor: Actor = None) -> Customer:
    """Put the merged profile back as it was, and block the links that joined the two so
    identity resolution does not merge them again on the same evidence."""
    with transaction.atomic():
        record = MergeRecord.objects.select_for_update().get(pk=record.pk)
        if record.undone_at is not None:
            raise ValueError("this merge was already undone")
        merged = Customer.objects.select_for_update().get(pk=record.merged_id)
        survivor = Customer.objects.select_for_update().get(pk=record.survivor_id)
        moved = record.moved
        for model, key in (
            (Identity, "identities"),
            (Event, "events"),
            (Order, "orders"),
            (Consent, "consents"),
        ):
            model.objects.filter(pk__in=moved[key]).update(customer=merged)
        CustomerTag.objects.filter(pk__in=moved["tags"]["moved"]).update(customer=merged)
        _recreate(CustomerTag, moved["tags"]["dropped"], merged)
        CustomerFollow.objects.filter(pk__in=moved["follows"]["moved"]).update(customer=merged)
        _recreate(CustomerFollow, moved["follows"]["dropped"], merged)
        _restore_other_apps(moved.get("other", {}), merged)
        _restore_survivor(survivor, record.survivor_before)
        survivor.merge_count = max(0, survivor.merge_count - merged.merge_count - 1)
        survivor.save()
        merged.status = CustomerStatus.ACTIVE
        merged.merged_into = None
        merged.save(update_fields=["status", "merged_into", "updated_at"])
        _block_links_between(moved["identities"], survivor)
        record.undone_at = timezone.now()
        record.undone_by = _user(actor)
        record.save(update_fields=["undone_at", "undone_by"])
        _append_merge_changes(survivor, merged, record, undone=True)
        record_audit(
            actor, "customer.unmerge", "customer", merged.pk, survivor=survivor.pk, record=record.pk
        )
        return merged


def _block_links_between(merged_identity_ids: list[int], survivor: Customer) -> None:
    mine = set(merged_identity_ids)
    theirs = set(Identity.objects.filter(customer=survivor).values_list("pk", flat=True))
    IdentityLink.objects.filter(
        (Q(a_id__in=mine) & Q(b_id__in=theirs)) | (Q(a_id__in=theirs) & Q(b_id__in=mine))
    ).update(blocked=True)
