from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connections

from siyu.worker import pollers

CALLS: list[str] = []
BACKLOG = [3]


def work_through_backlog() -> int:
    """A poller with three items queued, then nothing."""
    CALLS.append("backlog")
    if BACKLOG[0]:
        BACKLOG[0] -= 1
        return 1
    return 0


def broken() -> int:
    CALLS.append("broken")
    raise RuntimeError("database away")


@pytest.fixture(autouse=True)
def registry(monkeypatch: pytest.MonkeyPatch, django_db_blocker: Any) -> None:
    CALLS.clear()
    BACKLOG[0] = 3
    monkeypatch.setattr(pollers, "POLLERS", {})
    # These pollers never touch the database, but poll_once closes stale connections
    # after each call, which needs database access when an earlier test in this process
    # left one open: start, like a fresh worker thread, with none.
    with django_db_blocker.unblock():
        connections.close_all()


def test_a_poller_is_called_again_at_once_while_it_finds_work() -> None:
    pollers.POLLERS["b"] = (f"{__name__}.work_through_backlog", 3600.0)
    stop = threading.Event()
    [thread] = pollers.start_pollers(stop)
    deadline = time.monotonic() + 10
    while len(CALLS) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    thread.join(timeout=5)
    # Three items, then one empty poll; the next would come after an hour.
    assert CALLS == ["backlog"] * 4
    assert not thread.is_alive()


def test_a_failing_poller_is_logged_and_does_not_kill_its_thread(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert pollers.poll_once(f"{__name__}.broken") == -1
    assert "poller siyu.worker.tests.test_pollers.broken failed" in caplog.text


def test_batch_mode_drains_every_poller() -> None:
    pollers.POLLERS["b"] = (f"{__name__}.work_through_backlog", 3600.0)
    pollers.POLLERS["x"] = (f"{__name__}.broken", 3600.0)
    assert pollers.drain_pollers() == 3
    assert CALLS == ["backlog"] * 4 + ["broken"]
