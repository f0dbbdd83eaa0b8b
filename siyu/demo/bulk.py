"""Bulk loader for benchmark-sized brands (and the tail of the default demo).

Why this bypasses the customer verbs: the verbs resolve identities one touch at a time
(~20 queries each), which is right for live traffic but takes hours for a million people.
The simulator knows each person's identifiers already form one connected profile, so it
can write the *result* of resolution directly: one profile per person, its identifiers, a
star of links (so later live resolution sees them as one component), follows, tags, orders.
This is acceptable only here, for generated data; events and consents are left to the
verb path (the benchmark does not need them and they would triple the row count).

Planning a block of people and preparing its rows (``bulk_block``) takes about three times
the CPU of writing it, and people are planned independently of each other, so a large
brand is planned by worker processes while this one writes, block after block in
people's order. The tables' secondary indexes are built once, after the last block.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime

from django.db import models, transaction
from django.utils import timezone

from siyu.core.bulk_indexes import indexes_deferred
from siyu.core.bulk_rows import copy_rows
from siyu.core.gc_pause import collect_recent, cycle_collector_paused
from siyu.customers.models import Customer, CustomerStatus, Tag
from siyu.customers.tagging import ensure_tag
from siyu.demo.brand import Brand
from siyu.demo.bulk_block import REFERENCES, TAG, Block, BrandIds, build_block, placed
from siyu.demo.simulate import Progress, SimulationResult, plan_range
from siyu.imports.fast_insert import reserve_ids

CHUNK = 5000
# Fewer blocks than this are planned in this process: starting workers costs more than
# it saves on a demo-sized brand.
PARALLEL_FROM = 6


class BulkLoader:
    def __init__(self, brand: Brand) -> None:
        self.brand = brand
        self.tags: dict[tuple[str, str], Tag] = {}
        self.orders = 0

    def tag(self, group: str, name: str) -> Tag:
        if (group, name) not in self.tags:
            self.tags[group, name] = ensure_tag(group, name)
        return self.tags[group, name]

    @transaction.atomic
    def write(self, block: Block) -> None:
        # Ids reserved up front (``fast_insert``) for every table, then the block's own
        # numbers swapped for them: rows reach the driver's executemany (COPY on
        # PostgreSQL) without a model instance or a read back.
        ids: dict[type[models.Model] | str, Sequence[int]] = {
            model: reserve_ids(model, len(table.rows)) for model, table in block.tables.items()
        }
        ids[TAG] = [self.tag(group, name).pk for group, name in block.tag_names]
        for model, table in block.tables.items():
            if table.rows:
                copy_rows(
                    model._meta.db_table, table.columns, placed(table, model, ids), chunk=5_000
                )
        self.orders += block.orders


def brand_ids(brand: Brand) -> BrandIds:
    return BrandIds(
        staff={username: s.pk for username, s in brand.staff.items()},
        stores={name: unit.pk for name, unit in brand.stores.items()},
        brand=brand.brand.pk,
    )


def planned_block(
    seed: int, start: int, stop: int, now: datetime, brand: BrandIds, loaded_at: datetime
) -> Block:
    # Tens of thousands of acyclic plan objects and tuples per block, freed by reference
    # counting: with the collector on, its walks were a sixth of a block's CPU.
    with cycle_collector_paused():
        return build_block(plan_range(seed, start, stop, now), brand, loaded_at)


def blocks(
    seed: int, start: int, stop: int, now: datetime, brand: BrandIds, workers: int
) -> Iterator[Block]:
    """The blocks of people [start, stop) in order; with ``workers`` > 0, planned by that
    many processes, at most two blocks ahead of the writer each (memory stays bounded)."""
    loaded_at = timezone.now()
    ranges = [(a, min(a + CHUNK, stop)) for a in range(start, stop, CHUNK)]
    if workers <= 0:
        for a, b in ranges:
            yield planned_block(seed, a, b, now, brand, loaded_at)
        return
    # fork: a worker inherits the configured settings (the PII key) without setting Django
    # up again. It never touches the inherited database connection, nor writes to the
    # terminal (a lock the progress bar's thread held at the fork would stay held in it).
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque[Future[Block]] = deque()
        todo = iter(ranges)
        for a, b in todo:
            pending.append(pool.submit(planned_block, seed, a, b, now, brand, loaded_at))
            if len(pending) >= 2 * workers:
                break
        while pending:
            block = pending.popleft().result()
            if (step := next(todo, None)) is not None:
                a, b = step
                pending.append(pool.submit(planned_block, seed, a, b, now, brand, loaded_at))
            yield block


def default_workers(people: int) -> int:
    if people < PARALLEL_FROM * CHUNK:
        return 0
    return max(1, min(4, os.cpu_count() or 1))


def load_bulk(
    brand: Brand,
    seed: int,
    now: datetime,
    start: int,
    stop: int,
    *,
    progress: Progress | None = None,
    workers: int | None = None,
) -> SimulationResult:
    """Write people [start, stop) of the brand's plan; ``workers`` planning processes
    (None: as many as there are cores for a large brand, none for a small one)."""
    loader = BulkLoader(brand)
    count = 0
    people = max(0, stop - start)
    chosen = default_workers(people) if workers is None else workers
    tables = [model._meta.db_table for model in REFERENCES]
    # One transaction: the indexes are rebuilt once at the end, and a load that fails or
    # is killed leaves no half-written brand behind it.
    with cycle_collector_paused(), transaction.atomic(), indexes_deferred(tables):
        for block in blocks(seed, start, stop, now, brand_ids(brand), chosen):
            loader.write(block)
            count += block.people
            if progress:
                progress(block.people)
            collect_recent()
    customers = Customer.objects.filter(status=CustomerStatus.ACTIVE).count()
    return SimulationResult(count, customers, loader.orders, 0, bulk=True)
