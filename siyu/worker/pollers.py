"""Work that `siyu worker` pulls from tables of its own instead of the task queue.

A table that web requests fill and the worker empties (the WeCom callback inbox) is a queue
already: polling it spares every request a task row. Each worker runs one thread per
poller. A poller returns how many items it handled; it is called again at once while it
finds work and after its interval when it finds none. Several workers may poll the same
table: pollers claim their rows themselves (row locks, SKIP LOCKED where the database has it).

Consumers of the customer change feed (siyu/customers/changes.py) are pollers too: each
reads the feed after its stored cursor, and a lease on the cursor lets one worker at a
time handle a consumer (segments first: ``segments_feed``).
"""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections

from siyu.worker.schedule import load_task

log = logging.getLogger(__name__)

# name -> (function import path, idle interval in seconds). Apps add theirs in ready().
POLLERS: dict[str, tuple[str, float]] = {}
ERROR_PAUSE_SECONDS = 5.0


def poll_once(path: str) -> int:
    """One call of the poller at ``path``; errors are logged, never raised."""
    try:
        handled: int = load_task(path)()
    except Exception:
        log.exception("poller %s failed", path)
        return -1
    finally:
        close_old_connections()
    return handled


def drain_pollers() -> int:
    """Call every poller until it finds nothing (``siyu worker --batch``)."""
    total = 0
    for path, _interval in POLLERS.values():
        while (handled := poll_once(path)) > 0:
            total += handled
    return total


def start_pollers(stop: threading.Event) -> list[threading.Thread]:
    threads = []
    for name, (path, interval) in POLLERS.items():

        def loop(path: str = path, interval: float = interval) -> None:
            while not stop.is_set():
                handled = poll_once(path)
                if handled < 0:
                    stop.wait(ERROR_PAUSE_SECONDS)  # a broken database must not spin the CPU
                elif handled == 0:
                    stop.wait(interval)

        thread = threading.Thread(target=loop, name=f"siyu-poller-{name}", daemon=True)
        thread.start()
        threads.append(thread)
    return threads
