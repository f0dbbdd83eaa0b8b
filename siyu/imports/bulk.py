"""Writing a chunk of checked items: the common cases in bulk, the rest item by item.

Bulk: people already known or entirely new (``bulk_identities``); profile fields set on
new profiles at insert and compared on known ones (written only when they differ); new
orders with their lines and refunds in three bulk inserts; known orders compared with what
is stored and left alone when identical. Everything else (conflicts, corrections, added
refunds, rows needing a merge, profile fields this path does not know) goes through the
verbs in ``writer``, so both paths give the same result.
"""

from __future__ import annotations

from typing import Any, cast

from django.utils import timezone

from siyu.customers.acquisition import note_seen_many
from siyu.customers.batch_checks import References
from siyu.customers.batch_schemas import OrderItem, ProfileItem
from siyu.customers.changes import NewChange, append_changes
from siyu.customers.identity_rules import normalize_value
from siyu.customers.models import ChangeKind, Customer, Order, OrderLine, Refund
from siyu.customers.orders import (
    OrderInput,
    OrderLineInput,
    Outcome,
    RefundInput,
    check_order,
    differences,
)
from siyu.imports.bulk_identities import model_keys, resolve_keys, resolve_rows
from siyu.imports.checks import Checked
from siyu.imports.fast_insert import insert_rows, reserve_ids
from siyu.imports.stored_rows import stored_orders, stored_profiles
from siyu.imports.writer import Options, Written, inputs, write_each

# Profile fields this path sets itself; an item with any other field (a column added
# later) goes through ``upsert_customer``, which knows that field's rule.
FAST_FIELDS = {
    "display_name",
    "real_name",
    "address",
    "region",
    "occupation",
    "gender",
    "birthday",
    "interests",
    "spending_power",
    "lifecycle_stage",
    "org_unit",
    "primary_owner",
    "phone",
    "email",
}


def write_chunk(
    kind: str, checked: list[Checked], refs: References, options: Options, out: Written
) -> None:
    if kind == "customers":
        rest = write_profiles(checked, refs, options, out)
    else:
        rest = write_orders(checked, refs, options, out)
    write_each(kind, rest, refs, options, out)


def profile_fields(model: ProfileItem, refs: References) -> dict[str, Any] | None:
    """The values to set, as ``profiles._apply_fields`` would; None if a field is not ours."""
    # The attributes themselves (model_dump copies every value: a third of this function).
    given = {n: getattr(model, n) for n in model.model_fields_set if n != "identities"}
    if set(given) - FAST_FIELDS:
        return None
    fields: dict[str, Any] = {}
    for name, value in given.items():
        if value in (None, "", []) or name == "email":
            continue
        if name == "phone":
            fields["phone_last4"] = normalize_value("phone", str(value))[-4:]
        elif name == "org_unit":
            fields["org_unit_id"] = refs.stores[value].pk
        elif name == "primary_owner":
            fields["primary_owner_id"] = refs.staff[value].pk
        else:
            fields[name] = value
    return fields


def write_profiles(
    checked: list[Checked], refs: References, options: Options, out: Written
) -> list[Checked]:
    fields = [profile_fields(m, refs) for _i, m in checked]  # type: ignore[arg-type]
    ours = [n for n, f in enumerate(fields) if f is not None]
    now = timezone.now()
    values = [fields[n] or {} for n in ours]
    keys = [model_keys(checked[n][1].identities) for n in ours]  # type: ignore[attr-defined]
    resolved = resolve_keys(keys, options.source, now, values)
    known = {c for c, new in zip(resolved.customer, resolved.new, strict=True) if c and not new}
    stored = stored_profiles(known, sorted({name for v in values for name in v}))
    changed: dict[int, set[str]] = {}
    seen_new: dict[int, dict[str, Any]] = {}
    done: set[int] = set()
    for pos, n in enumerate(ours):
        customer_id = resolved.customer[pos]
        if customer_id is None:
            continue
        if resolved.new[pos]:
            # Created with the fields of all its rows: the first row created it, a later
            # row of the same new person updated it if it said something new.
            before = seen_new.get(customer_id)
            seen_new[customer_id] = {**(before or {}), **values[pos]}
            outcome = (
                Outcome.CREATED
                if before is None
                else Outcome.UPDATED
                if seen_new[customer_id] != before
                else Outcome.UNCHANGED
            )
        else:
            row = stored[customer_id]
            moved = {name for name, value in values[pos].items() if row[name] != value}
            row.update({name: values[pos][name] for name in moved})
            if moved:
                changed.setdefault(customer_id, set()).update(moved)
            outcome = Outcome.UPDATED if moved else Outcome.UNCHANGED
        out.count(outcome, checked[n][0])
        done.add(n)
    _save_changed(stored, changed, now)
    return [c for n, c in enumerate(checked) if n not in done]


def _save_changed(
    stored: dict[int, dict[str, Any]], changed: dict[int, set[str]], now: Any
) -> None:
    if not changed:
        return
    names = sorted({name for fields in changed.values() for name in fields})
    rows = [
        Customer(pk=pk, updated_at=now, **{name: stored[pk][name] for name in names})
        for pk in sorted(changed)
    ]
    Customer.objects.bulk_update(rows, [*names, "updated_at"], batch_size=500)
    append_changes(
        NewChange(pk, ChangeKind.PROFILE, data={"fields": sorted(changed[pk])})
        for pk in sorted(changed)
    )


def write_orders(
    checked: list[Checked], refs: References, options: Options, out: Written
) -> list[Checked]:
    models: list[OrderItem] = [m for _i, m in checked]  # type: ignore[misc]
    stored = stored_orders((str(m.platform), m.order_no) for m in models)
    resolved = resolve_rows([inputs(m) for m in models], options.source, timezone.now())
    rest: list[Checked] = []
    new: list[tuple[int, int, Any, str | None]] = []
    claimed: set[tuple[str, str]] = set()
    for n, model in enumerate(models):
        key = (str(model.platform), model.order_no)
        customer_id = resolved.customer[n]
        if customer_id is None or key in claimed:
            rest.append(checked[n])
            continue
        order = _order_of(model, refs)
        known = stored.get(key)
        if known is None:
            try:
                check_order(order)
            except ValueError:
                rest.append(checked[n])  # the verb reports it
                continue
            claimed.add(key)
            new.append((n, customer_id, order, checked[n][0].digest or None))
        elif differences(known, customer_id, order) == ([], False):
            out.count(Outcome.UNCHANGED, checked[n][0])
        else:
            rest.append(checked[n])
    _insert_orders(new)
    earliest: dict[int, Any] = {}
    for _n, customer_id, order, _digest in new:
        if customer_id not in earliest or order.paid_at < earliest[customer_id]:
            earliest[customer_id] = order.paid_at
    note_seen_many(earliest)
    for n, _c, _o, _d in new:
        out.count(Outcome.CREATED, checked[n][0])
    return rest


def _order_of(model: OrderItem, refs: References) -> OrderInput:
    """``batch.order_input`` with the checked line and refund models themselves as its
    lines and refunds: they carry the very attributes (same names, same values) the
    comparison, the checks and the inserts read, and a new object per line was a
    twentieth of an order import. The verbs (``write_each``) still get ``order_input``."""
    return OrderInput(
        platform=str(model.platform),
        order_no=model.order_no,
        paid_at=model.paid_at,
        total_fen=model.total_fen,
        paid_fen=model.paid_fen,
        lines=cast(tuple[OrderLineInput, ...], tuple(model.lines)),
        refunds=cast(tuple[RefundInput, ...], tuple(model.refunds)),
        store=refs.stores[model.store] if model.store else None,
    )


def _insert_orders(new: list[tuple[int, int, Any, str | None]]) -> None:
    if not new:
        return
    now = timezone.now()
    order_ids = reserve_ids(Order, len(new))
    insert_rows(
        Order,
        [
            {
                "id": order_id,
                "customer_id": customer_id,
                "platform": o.platform,
                "order_no": o.order_no,
                "store_id": o.store.pk if o.store else None,
                "total_fen": o.total_fen,
                "paid_fen": o.paid_fen,
                "refunded_fen": sum(r.amount_fen for r in o.refunds),
                "paid_at": o.paid_at,
                # One moment for both: the digest holds while they are equal.
                "created_at": now,
                "updated_at": now,
                "import_digest": digest,
            }
            for order_id, (_n, customer_id, o, digest) in zip(order_ids, new, strict=True)
        ],
    )
    lines = [
        (order_id, ln)
        for order_id, (_n, _c, o, _d) in zip(order_ids, new, strict=True)
        for ln in o.lines
    ]
    append_changes(
        NewChange(customer_id, ChangeKind.ORDER, ref=order_id)
        for order_id, (_n, customer_id, _o, _d) in zip(order_ids, new, strict=True)
    )
    line_ids = reserve_ids(OrderLine, len(lines))
    insert_rows(
        OrderLine,
        [
            {
                "id": line_id,
                "order_id": order_id,
                "sku": ln.sku,
                "product_name": ln.product_name,
                "category": ln.category,
                "quantity": ln.quantity,
                "unit_price_fen": ln.unit_price_fen,
                "paid_fen": ln.paid_fen,
            }
            for line_id, (order_id, ln) in zip(line_ids, lines, strict=True)
        ],
    )
    refunds = [
        (order_id, r)
        for order_id, (_n, _c, o, _d) in zip(order_ids, new, strict=True)
        for r in o.refunds
    ]
    refund_ids = reserve_ids(Refund, len(refunds))
    insert_rows(
        Refund,
        [
            {
                "id": refund_id,
                "order_id": order_id,
                "refund_no": r.refund_no,
                "amount_fen": r.amount_fen,
                "refunded_at": r.refunded_at,
                "created_at": now,
            }
            for refund_id, (order_id, r) in zip(refund_ids, refunds, strict=True)
        ],
    )
