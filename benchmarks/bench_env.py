"""Shared start-up for the benchmark scripts: each builds its data in its own data
directory under var/ (or in DATABASE_URL's database) and keeps it for --reuse."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(name: str, *, reuse: bool, sqlite_only: bool = False) -> Path:
    """Point Siyu at ``var/<name>`` (fresh unless ``reuse``) and start Django.

    ``sqlite_only`` drops DATABASE_URL for scripts whose raw loaders speak SQLite."""
    data_dir = ROOT / "var" / name
    if sqlite_only:
        os.environ.pop("DATABASE_URL", None)
    if not os.environ.get("DATABASE_URL"):
        if not reuse and data_dir.exists():
            remove_sqlite(data_dir)
        os.environ["SIYU_DATA_DIR"] = str(data_dir)
    os.environ["SIYU_AUTOGEN_KEYS"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siyu.settings")
    import django

    django.setup()
    return data_dir


def remove_sqlite(data_dir: Path) -> None:
    """Delete the data directory's SQLite database (its WAL and shared-memory files too)."""
    for suffix in ("", "-wal", "-shm"):
        (data_dir / f"siyu.sqlite3{suffix}").unlink(missing_ok=True)


def server_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL backend (0 on SQLite: in-process)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # a server on another machine
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cluster_cpu() -> float:
    """CPU seconds of every process of the PostgreSQL server on this machine, the ended
    ones included (a backend's CPU passes to the postmaster when it ends): the measure for
    work spread over several connections (0 on SQLite, or a server elsewhere)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # ended while read
            continue
        name, _, rest = text.partition(" (")[2].partition(") ")
        if name != "postgres":
            continue
        fields = rest.split()
        total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return total / os.sysconf("SC_CLK_TCK")


def _put_result(target: Callable[[], T], out: Any) -> None:
    out.put(target())


def in_workers(target: Callable[[], T], workers: int) -> list[T]:
    """``target``'s results from ``workers`` forked processes run side by side (each opens
    its own database connection), as a deployment's worker processes run."""
    import multiprocessing

    from django.db import connections

    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    procs = [ctx.Process(target=_put_result, args=(target, out)) for _ in range(workers)]
    for proc in procs:
        proc.start()
    results = [out.get() for _ in procs]
    for proc in procs:
        proc.join()
    return results
