"""The bulk loader writes the same brand whether it plans in worker processes or not."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import models, transaction

from siyu.customers.models import Customer, Order, Refund, Tag
from siyu.demo import bulk
from siyu.demo.brand import Brand
from siyu.demo.bulk_block import REFERENCES
from siyu.demo.catalog import DEFAULT_NOW
from siyu.demo.simulate import plan_range

pytestmark = pytest.mark.django_db
# Left out: the load's own clock, and ciphertexts (a random nonce each).
SKIPPED: dict[type[models.Model], set[str]] = {
    Customer: {"updated_at"},
    Order: {"created_at", "updated_at"},
    Refund: {"created_at"},
}


def canonical() -> dict[str, list[tuple[Any, ...]]]:
    """Every bulk-loaded row, with ids (and references to them) counted from the first."""
    first = {
        m: m._default_manager.order_by("pk").values_list("pk", flat=True).first() or 0
        for m in REFERENCES
    }
    tags = {t.pk: (t.group.name, t.name) for t in Tag.objects.select_related("group")}
    tables = {}
    for model, refs in REFERENCES.items():
        skipped = SKIPPED.get(model, set()) | {"value_encrypted"}
        names = [f.attname for f in model._meta.concrete_fields if f.attname not in skipped]
        rows = []
        for row in model._default_manager.order_by("pk").values(*names):
            for column, ref in refs.items():
                row[column] = (
                    row[column] - first[ref] if isinstance(ref, type) else tags[row[column]]
                )
            rows.append(tuple(row[n] for n in names))
        tables[model._meta.label] = rows
    return tables


def test_worker_processes_write_what_one_process_writes(
    brand: Brand, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "CHUNK", 40)  # seven blocks: the workers take turns
    start, stop = 20, 20 + 7 * 40 - 13
    with transaction.atomic():
        alone = bulk.load_bulk(brand, 7, DEFAULT_NOW, start, stop, workers=0)
        expected = canonical()
        transaction.set_rollback(True)
    parallel = bulk.load_bulk(brand, 7, DEFAULT_NOW, start, stop, workers=2)
    assert canonical() == expected
    assert (parallel.people, parallel.orders) == (alone.people, alone.orders)
    planned = plan_range(7, start, stop)
    assert parallel.people == len(planned)
    assert parallel.orders == sum(len(p.orders) for p in planned) > 0
    # Ids follow people's order.
    names = list(Customer.objects.order_by("pk").values_list("display_name", flat=True))
    assert names == [p.profile.display_name for p in planned]


def test_every_reference_points_at_the_planned_row(
    brand: Brand, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "CHUNK", 30)
    start, stop = 20, 110
    bulk.load_bulk(brand, 7, DEFAULT_NOW, start, stop, workers=0)
    planned = plan_range(7, start, stop)
    by_order = {
        o.order_no: (p.profile.display_name, len(o.lines)) for p in planned for o in p.orders
    }
    stored = {
        o.order_no: (o.customer.display_name, o.lines.count())
        for o in Order.objects.select_related("customer")
    }
    assert stored == by_order
    for person in planned[::7]:
        customer = Customer.objects.get(display_name=person.profile.display_name)
        types = set(customer.identities.values_list("type", flat=True))
        assert types == {i.type for t in person.touches for i in t.identities}
        tags = set(customer.tag_links.values_list("tag__group__name", "tag__name"))
        assert tags == set(person.tags)
