"""A file copy of the embedded read model, so that a web process that starts (a restart,
a second process, an upgrade) loads it in seconds and catches up from the change feed,
instead of extracting a million customers again (two to three minutes at 1M / 10M).

The file lives beside the database (``SIYU_DATA_DIR``), one per database, written by a
process that has just built or refreshed its read model: into a temporary file, then
renamed over the old one, so a reader opens either the old copy or the new one, never a
half-written one. A page request that finds the copy old
leaves the rewrite to a thread of its own (``save_in_background``). A copy is used only when it was written with this schema and its
database is still the one it was taken from: the newest change it had seen (the newest
customer, while the feed is empty) must still be there as it was (a database restored
from a backup, or a test's rolled-back transaction, has lost or replaced it). Anything else builds from scratch, as before.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from siyu.analytics.readmodel.engines import SCHEMA, SCHEMA_VERSION, DuckDBEngine
from siyu.customers.models import Customer, CustomerChange

# Beside SCHEMA's tables: the newest change the copy had seen, to recognise its database.
_MARK = "rm_snapshot_mark"
logger = logging.getLogger(__name__)


def path() -> Path:
    db = connection.settings_dict
    identity = f"{connection.vendor}:{db.get('HOST', '')}:{db.get('PORT', '')}:{db['NAME']}"
    digest = hashlib.sha256(identity.encode()).hexdigest()[:12]
    return Path(settings.DATA_DIR) / f"readmodel-{digest}.duckdb"


def age_seconds() -> float | None:
    """How old the copy on disk is; None when there is none."""
    try:
        return max(0.0, time.time() - path().stat().st_mtime)
    except FileNotFoundError:
        return None


def _newest_row() -> tuple[str, int, int, int] | None:
    """What recognises the database: its newest change, or its newest customer while the
    feed is empty (a bulk-loaded brand, or one whose changes are all past retention)."""
    change = (
        CustomerChange.objects.order_by("-pk")
        .values_list("pk", "customer_id", "created_at")
        .first()
    )
    if change is not None:
        pk, customer_id, created_at = change
        return "change", int(pk), int(customer_id), _us(created_at)
    customer = Customer.objects.order_by("-pk").values_list("pk", "created_at").first()
    if customer is None:
        return None
    return "customer", int(customer[0]), 0, _us(customer[1])


def _still_there(kind: str, pk: int, customer_id: int, created_us: int) -> bool:
    row: tuple[int, datetime] | None
    if kind == "change":
        row = CustomerChange.objects.filter(pk=pk).values_list("customer_id", "created_at").first()
    else:
        row = Customer.objects.filter(pk=pk).values_list("pk", "created_at").first()
        customer_id = pk
    return row is not None and row[0] == customer_id and _us(row[1]) == created_us


def _us(moment: datetime) -> int:
    return int(moment.timestamp() * 1e6)


def save(engine: DuckDBEngine) -> bool:
    """Write the engine's tables to the copy; False when there is nothing to recognise the
    database by yet (no customer: a build then costs nothing worth saving)."""
    mark = _newest_row()
    if mark is None:
        return False
    _write(engine.db, mark, path())
    return True


_saving = threading.Lock()  # one background save at a time per process


def save_in_background(engine: DuckDBEngine) -> threading.Thread | None:
    """``save`` off the caller's thread: rewriting the copy takes seconds at a million
    customers, and the hourly rewrite ran inside the page request that found it old.
    The database is recognised here (the caller's connection and transaction); the copy
    is written through a cursor of its own in one transaction, so its tables and its
    position are of one moment while pages keep reading and refreshing. None when there
    is nothing to save or a save is already running."""
    mark = _newest_row()
    if mark is None or not _saving.acquire(blocking=False):
        return None
    cursor = engine.db.cursor()  # a connection of its own to the same database
    target = path()

    def run() -> None:
        try:
            _write(cursor, mark, target)
        except Exception:
            logger.exception("writing the read model's copy failed")
        finally:
            cursor.close()
            _saving.release()

    thread = threading.Thread(target=run, name="readmodel-copy", daemon=True)
    thread.start()
    return thread


def _write(db: Any, mark: tuple[str, int, int, int], final: Path) -> None:
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.with_name(f"{final.name}.{os.getpid()}.{threading.get_ident()}.partial")
    partial.unlink(missing_ok=True)
    db.execute("ATTACH ? AS snap_out", [str(partial)])
    try:
        db.execute("BEGIN TRANSACTION")
        for table in SCHEMA:
            db.execute(f"CREATE TABLE snap_out.{table} AS SELECT * FROM {table}")  # noqa: S608
        db.execute(
            f"CREATE TABLE snap_out.{_MARK} AS SELECT"
            " ? AS kind, ? AS id, ? AS customer_id, ? AS created_us",
            list(mark),
        )
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    finally:
        db.execute("DETACH snap_out")
    os.replace(partial, final)


# A copy is written in seconds: a partial file this old was left by a process that died
# writing it (its name carries that process's id, so nothing else would remove it).
STALE_PARTIAL_SECONDS = 3600


def sweep_partials(final: Path) -> int:
    """Remove partial copies left by processes that died writing them; how many."""
    removed = 0
    for partial in final.parent.glob(f"{final.name}.*.partial"):
        try:
            if time.time() - partial.stat().st_mtime > STALE_PARTIAL_SECONDS:
                partial.unlink()
                removed += 1
        except FileNotFoundError:
            continue  # its writer finished (renamed it) or another sweep took it
    return removed


def load(engine: DuckDBEngine) -> bool:
    """Fill the engine from the copy when it is of this schema and this database; False
    (the engine untouched) otherwise."""
    import duckdb

    source = path()
    sweep_partials(source)
    if not source.exists():
        return False
    db = engine.db
    try:
        db.execute("ATTACH ? AS snap (READ_ONLY)", [str(source)])
    except duckdb.Error:
        return False  # unreadable (another release's format, a damaged file): rebuild
    try:
        if not _same_database(engine):
            return False
        engine.create()
        for table in SCHEMA:
            db.execute(f"INSERT INTO {table} SELECT * FROM snap.{table}")  # noqa: S608
    except duckdb.Error:
        engine.create()
        return False
    finally:
        db.execute("DETACH snap")
    return True


def _same_database(engine: DuckDBEngine) -> bool:
    import duckdb

    try:
        state = engine.db.execute("SELECT schema_version FROM snap.rm_state").fetchone()
        mark = engine.db.execute(
            f"SELECT kind, id, customer_id, created_us FROM snap.{_MARK}"  # noqa: S608
        ).fetchone()
    except duckdb.Error:  # a copy of another layout is simply not used
        return False
    if state is None or state[0] != SCHEMA_VERSION or mark is None:
        return False
    kind, pk, customer_id, created_us = mark
    return _still_there(str(kind), int(pk), int(customer_id), int(created_us))
