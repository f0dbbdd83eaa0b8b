"""A starting process loads the read model's file copy and catches up from the change
feed instead of building from scratch; a copy of another database or schema is not used."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from pytest_django.fixtures import Settings

from siyu.analytics.readmodel import snapshot, sync
from siyu.analytics.readmodel.engines import DuckDBEngine
from siyu.customers.changes import append_change
from siyu.customers.models import ChangeKind, Customer, CustomerChange
from siyu.demo.brand import Brand

pytestmark = pytest.mark.django_db


@pytest.fixture
def snapshots(settings: Settings, tmp_path: Path) -> Iterator[Path]:
    settings.SIYU_ANALYTICS_MAX_AGE = 10
    settings.SIYU_ANALYTICS_SNAPSHOT_SECONDS = 3600
    settings.DATA_DIR = tmp_path
    sync._embedded = None
    try:
        yield tmp_path
    finally:
        sync._embedded = None


def regions() -> dict[int, str]:
    engine, _ = sync.current()
    return dict(engine.rows("SELECT id, region FROM rm_customers"))


def restart() -> None:
    """What a new web process starts with: no read model in memory."""
    sync._embedded = None


def test_a_new_process_loads_the_copy_and_catches_up(
    snapshots: Path, shop: dict[str, Customer], brand: Brand
) -> None:
    """A customer no change names after the copy is read from the copy; one a change
    names is reloaded. (On PostgreSQL the catch-up also reloads every customer changed
    since the oldest transaction still open anywhere on the server, so the customer read
    from the copy is one with no change at all: bulk-written.)"""
    b = shop["B"]
    (quiet,) = Customer.objects.bulk_create(
        [Customer(display_name="静", region="上海", created_at=timezone.now())]
    )
    assert regions()[quiet.pk] == "上海"
    assert snapshot.path().exists()
    # Behind the feed's back (no change row): only a build from scratch could see it.
    Customer.objects.filter(pk=quiet.pk).update(region="火星")
    Customer.objects.filter(pk=b.pk).update(region="月球")
    append_change(b.pk, ChangeKind.PROFILE)
    restart()
    seen = regions()
    assert seen[quiet.pk] == "上海"  # from the copy
    assert seen[b.pk] == "月球"  # caught up from the feed


def test_a_copy_whose_newest_change_is_gone_is_not_used(
    snapshots: Path, shop: dict[str, Customer], brand: Brand
) -> None:
    """A database restored from an older backup (or a rolled-back test) no longer holds
    the change the copy last saw: the process builds from scratch."""
    a = shop["A"]
    regions()
    CustomerChange.objects.order_by("-pk").first().delete()  # type: ignore[union-attr]
    Customer.objects.filter(pk=a.pk).update(region="火星")
    restart()
    assert regions()[a.pk] == "火星"


def test_a_copy_of_another_schema_or_a_damaged_file_is_not_used(
    snapshots: Path, shop: dict[str, Customer], brand: Brand
) -> None:
    a = shop["A"]
    regions()
    copy = snapshot.path()
    engine, _ = sync.current()
    Customer.objects.filter(pk=a.pk).update(region="火星")
    assert isinstance(engine, DuckDBEngine)
    engine.db.execute(f"ATTACH '{copy}' AS snap")
    engine.db.execute("UPDATE snap.rm_state SET schema_version = 'older'")
    engine.db.execute("DETACH snap")
    restart()
    assert regions()[a.pk] == "火星"
    copy.write_bytes(b"not a database")
    Customer.objects.filter(pk=a.pk).update(region="金星")
    restart()
    assert regions()[a.pk] == "金星"
    assert snapshot.path().read_bytes() != b"not a database"  # the build wrote a new one


def test_no_copy_is_written_when_switched_off(
    snapshots: Path, shop: dict[str, Customer], settings: Settings
) -> None:
    settings.SIYU_ANALYTICS_SNAPSHOT_SECONDS = 0
    regions()
    assert not list(snapshots.glob("readmodel-*"))


def test_a_brand_whose_feed_is_empty_is_recognised_by_its_newest_customer(
    snapshots: Path, shop: dict[str, Customer], brand: Brand
) -> None:
    """A bulk-loaded brand, or one whose changes are all past retention, has no change to
    recognise its database by: its newest customer stands in."""
    a = shop["A"]
    CustomerChange.objects.all().delete()
    regions()
    Customer.objects.filter(pk=a.pk).update(region="火星")
    restart()
    assert regions()[a.pk] == a.region  # from the copy
    Customer.objects.order_by("-pk").first().delete()  # type: ignore[union-attr]
    restart()
    assert regions()[a.pk] == "火星"  # that customer is gone: another database


def test_a_copy_older_than_the_feed_is_replaced_not_rebuilt_at_every_start(
    snapshots: Path, shop: dict[str, Customer], brand: Brand
) -> None:
    """A copy taken while the feed was empty, whose position the feed has since moved past
    (pruned): the process builds from scratch and writes a new copy at once, instead of
    loading the old one and rebuilding at every start until it is an hour old."""
    if connection.vendor != "sqlite":
        pytest.skip("a PostgreSQL position is a transaction horizon, never pruned past")
    CustomerChange.objects.all().delete()
    regions()
    append_change(shop["A"].pk, ChangeKind.PROFILE)
    CustomerChange.objects.filter(pk__lt=CustomerChange.objects.order_by("-pk")[0].pk).delete()
    restart()
    regions()
    engine = DuckDBEngine()
    engine.db.execute("ATTACH ? AS snap (READ_ONLY)", [str(snapshot.path())])
    assert engine.rows("SELECT kind FROM snap.rm_snapshot_mark") == [("change",)]


def copied_regions() -> dict[int, str]:
    engine = DuckDBEngine()
    engine.db.execute("ATTACH ? AS snap (READ_ONLY)", [str(snapshot.path())])
    return dict(engine.rows("SELECT id, region FROM snap.rm_customers"))


def test_an_old_copy_is_rewritten_off_the_page_request(
    snapshots: Path, shop: dict[str, Customer], brand: Brand, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hourly rewrite took seconds at a million customers inside the page request
    that found the copy old: the request starts it, a thread of its own writes it."""
    b = shop["B"]
    regions()  # built, and the copy written
    writers: list[str] = []
    write = snapshot._write

    def noted(*args: Any) -> None:
        writers.append(threading.current_thread().name)
        write(*args)

    monkeypatch.setattr(snapshot, "_write", noted)
    old = time.time() - 7200
    os.utime(snapshot.path(), (old, old))
    Customer.objects.filter(pk=b.pk).update(region="月球")
    append_change(b.pk, ChangeKind.PROFILE)
    engine, state = sync.current()
    sync.refresh(engine, state)
    sync._save_snapshot_when_old(engine)
    with snapshot._saving:  # held by the writing thread until the copy is in place
        pass
    assert writers == ["readmodel-copy"]
    assert (snapshot.age_seconds() or 0) < 3600
    assert copied_regions()[b.pk] == "月球"
    # A save already running is not started twice.
    with snapshot._saving:
        assert snapshot.save_in_background(engine) is None  # type: ignore[arg-type]


def test_a_partial_copy_left_by_a_dead_writer_is_swept_at_start(
    snapshots: Path, shop: dict[str, Customer], brand: Brand
) -> None:
    final = snapshot.path()
    stale = final.with_name(f"{final.name}.999.1.partial")
    fresh = final.with_name(f"{final.name}.998.1.partial")
    for partial in (stale, fresh):
        partial.write_bytes(b"half a copy")
    old = time.time() - 2 * snapshot.STALE_PARTIAL_SECONDS
    os.utime(stale, (old, old))
    regions()  # a process's first read model: loads (or builds) and sweeps
    assert not stale.exists()
    assert fresh.exists()  # may be another process's copy being written right now
