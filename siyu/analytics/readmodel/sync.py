"""Keeping the read model fresh: a full build, then incremental refreshes by change id.

A refresh reads the change feed (siyu/customers/changes.py) after the read model's own
position, final changes only, and reloads every row of each customer named there: an
order, a refund, a tag, an owner move, a merge or an unmerge (both profiles have a change
row, so a moved order leaves one and joins the other). Reloading a customer is idempotent,
so a refresh that dies half way is simply run again. The position is stored in the engine
with the rows (``rm_state``), so a shared ClickHouse read model is maintained by one
worker and read by any number of web processes.

Staleness bound: with the embedded DuckDB engine every web process keeps its own read
model and refreshes it before a read once it is older than ``SIYU_ANALYTICS_MAX_AGE``
seconds (default 10): a page shows data at most that old plus the refresh it ran. With
ClickHouse the worker's poller refreshes every second. Each page shows the age it read.
A feed that has been pruned past the position (a read model left alone for longer than
the change retention) is rebuilt in full.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pyarrow as pa  # type: ignore[import-untyped]  # ships no type information
from django.conf import settings
from django.db import connection
from django.utils import timezone

from siyu.analytics.readmodel import snapshot
from siyu.analytics.readmodel.engines import SCHEMA_VERSION, DuckDBEngine, Engine, arrow_schema
from siyu.analytics.readmodel.extract import extract
from siyu.customers.changes import (
    MAX_POSITION,
    Change,
    Position,
    consume,
    horizon,
    latest_position,
    read_visible_changes,
)
from siyu.customers.models import CustomerChange

BATCH = 20_000  # changes per read of the feed


@dataclass(frozen=True)
class State:
    position: Position
    refreshed_us: int  # when the last refresh started: everything committed before is in

    def age_seconds(self) -> float:
        return max(0.0, time.time() - self.refreshed_us / 1e6)


def _now_us() -> int:
    return int(timezone.now().timestamp() * 1e6)


def _start_position() -> Position:
    """A position every change the next reads cannot see is after."""
    if connection.vendor == "postgresql":
        # Changes of transactions below the horizon have committed: the rows read next
        # include them. Everything at or above it is handed out by later refreshes.
        # A build inside a transaction that has written changes (its own, not final to
        # anyone else) must not step past them either.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id_if_assigned()::text::bigint")
            own = cursor.fetchone()[0]
        below = horizon() - 1 if own is None else min(horizon() - 1, int(own) - 1)
        return below, MAX_POSITION
    return latest_position()


def _save_state(engine: Engine, state: State) -> None:
    engine.clear("rm_state")
    engine.insert(
        "rm_state",
        pa.table(
            {
                "position_tx": [state.position[0]],
                "position_id": [state.position[1]],
                "refreshed_us": [state.refreshed_us],
                "schema_version": [SCHEMA_VERSION],
            },
            schema=arrow_schema("rm_state"),
        ),
    )


def read_state(engine: Engine) -> State | None:
    """The stored state; None when not built, or built with another schema (``SELECT *``
    so that a state table of an older layout reads as such instead of failing)."""
    found = engine.arrow("SELECT * FROM rm_state").to_pylist()
    if not found or found[0].get("schema_version") != SCHEMA_VERSION:
        return None
    row = found[0]
    return State((int(row["position_tx"]), int(row["position_id"])), int(row["refreshed_us"]))


def build(engine: Engine) -> State:
    """Every active customer's rows, from scratch."""
    started, position = _now_us(), _start_position()
    engine.create()
    for table, rows in extract().items():
        engine.insert(table, rows)
    state = State(position, started)
    _save_state(engine, state)
    return state


def _pruned_past(position: Position) -> bool:
    oldest = CustomerChange.objects.order_by("pk").values_list("pk", flat=True).first()
    return oldest is not None and position[1] < oldest - 1 and position[1] != MAX_POSITION


def refresh(engine: Engine, state: State | None = None) -> State:
    """Reload every customer named by a change after the stored position; returns the new
    state. Changes not final yet (PostgreSQL: an older transaction is still open) are
    applied now and again on the next refresh: the stored position only moves past final
    ones, so one that commits late is never stepped over."""
    state = state or read_state(engine)
    if state is None or _pruned_past(state.position):
        return build(engine)
    started, read_from, settled = _now_us(), state.position, state.position
    while True:
        changes, final_below = read_visible_changes(read_from, BATCH)
        if not changes:
            break
        ids = sorted({c.customer_id for c in changes})
        engine.delete_customers(ids)
        for table, rows in extract(ids).items():
            engine.insert(table, rows)
        read_from = changes[-1].position
        final = read_from if read_from[0] < final_below else (final_below - 1, MAX_POSITION)
        settled = max(settled, final)
        if len(changes) < BATCH:
            break
    new = State(settled, started)
    _save_state(engine, new)
    return new


class NotBuilt(RuntimeError):
    """The shared read model has not been built yet (the worker builds it)."""


def max_age() -> float:
    return float(getattr(settings, "SIYU_ANALYTICS_MAX_AGE", 10))


@dataclass
class _Embedded:
    engine: Engine
    state: State
    own: bool  # this process refreshes it (embedded DuckDB); else the worker does


_embedded: _Embedded | None = None
_lock = threading.Lock()
EngineFactory = Callable[[], Engine]


def configured_engine() -> tuple[Engine, bool]:
    """The engine of this installation and whether this process maintains it."""
    url = getattr(settings, "SIYU_CLICKHOUSE_URL", "")
    if url:
        from siyu.analytics.readmodel.engines import ClickHouseEngine

        return ClickHouseEngine(url), False
    return DuckDBEngine(), True


def current() -> tuple[Engine, State]:
    """The read model for a page, refreshed first when older than the bound. A max age
    of 0 rebuilds it on every read (the test suite: its databases roll back)."""
    global _embedded
    with _lock:
        if _embedded is None or max_age() <= 0:
            engine, own = configured_engine()
            found = _start_embedded(engine) if own else read_state(engine)
            if found is None:
                raise NotBuilt
            _embedded = _Embedded(engine, found, own)
        elif not _embedded.own:
            _embedded.state = read_state(_embedded.engine) or _embedded.state
        elif _embedded.state.age_seconds() > max_age():
            _embedded.state = refresh(_embedded.engine, _embedded.state)
            _save_snapshot_when_old(_embedded.engine)
        return _embedded.engine, _embedded.state


def _copied(engine: Engine) -> DuckDBEngine | None:
    """The engine when this process keeps a file copy of it (an embedded one, outside the
    test suite's rebuild on every read, with copies switched on)."""
    every = getattr(settings, "SIYU_ANALYTICS_SNAPSHOT_SECONDS", 0)
    if not isinstance(engine, DuckDBEngine) or max_age() <= 0 or not every:
        return None
    return engine


def _start_embedded(engine: Engine) -> State:
    """This process's first read model: the file copy caught up from the feed (seconds),
    else a full build (minutes at a million customers), then saved for the next process.
    A copy older than the feed's retention is built afresh and replaced, not loaded at
    every start to be rebuilt each time."""
    copied = _copied(engine)
    if copied is not None and snapshot.load(copied):
        loaded = read_state(copied)
        if loaded is not None and not _pruned_past(loaded.position):
            state = refresh(copied, loaded)
            _save_snapshot_when_old(copied)
            return state
    state = build(engine)
    if copied is not None:
        snapshot.save(copied)
    return state


def _save_snapshot_when_old(engine: Engine) -> None:
    """Rewrite the copy when it is old, in the background: this runs in a page request."""
    copied = _copied(engine)
    if copied is None:
        return
    age = snapshot.age_seconds()
    if age is None or age > float(settings.SIYU_ANALYTICS_SNAPSHOT_SECONDS):
        snapshot.save_in_background(copied)


def current_if_built() -> tuple[Engine, State] | None:
    """``current()`` when this process already holds the embedded read model (or reads a
    shared one); None before its first build, which takes minutes at a million customers
    and is the dashboards' to pay, not a quick read's (the segment editor's live count)."""
    embedded_here = not getattr(settings, "SIYU_CLICKHOUSE_URL", "")
    if _embedded is None and max_age() > 0 and embedded_here:
        return None
    try:
        return current()
    except NotBuilt:
        return None


CONSUMER = "analytics_clickhouse"


def _reload(engine: Engine, changes: Sequence[Change]) -> None:
    ids = sorted({c.customer_id for c in changes})
    engine.delete_customers(ids)
    for table, rows in extract(ids).items():
        engine.insert(table, rows)


def poll_clickhouse() -> int:
    """The worker's poller when the read model is on ClickHouse: the feed consumer's lease
    (siyu/customers/changes.py) lets one worker at a time refresh it."""
    engine, own = configured_engine()
    if own:
        return 0
    started = _now_us()
    if read_state(engine) is None:
        # First start (run one worker first: two would both build). The feed consumer then
        # starts at the oldest retained change: replaying it reloads customers, idempotent.
        build(engine)
        return 1
    handled = consume(CONSUMER, lambda changes: _reload(engine, changes), limit=BATCH)
    state = read_state(engine)
    _save_state(engine, State(state.position if state else (0, 0), started))
    return handled
