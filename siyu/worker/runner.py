"""Running the task worker: in this process (``siyu worker``) or beside the web server
(``siyu demo``).

Code never names a queue when it enqueues (it calls ``.enqueue()``); the worker is the one
place that lists them, so a new queue in settings is picked up here too.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection

from siyu.worker import recovery
from siyu.worker.pollers import POLLERS, drain_pollers, start_pollers
from siyu.worker.schedule import start_scheduler

# How long `siyu demo` lets the worker finish its current task after Ctrl-C before it is
# terminated: db_worker stops at the next task boundary on SIGINT/SIGTERM.
STOP_GRACE_SECONDS = 10.0
FAST_QUEUE = "fast"
# Set by spawn_worker: the pid of the `siyu demo` that started this worker.
PARENT_ENV = "SIYU_WORKER_PARENT_PID"
log = logging.getLogger(__name__)


def worker_queues() -> list[str]:
    queues: Sequence[str] = settings.TASKS["default"].get("QUEUES") or ["default"]
    return list(queues)


def run_worker(
    *, interval: float = 1.0, batch: bool = False, verbosity: int = 1, fast_lanes: int = 0
) -> None:
    """Claim and run tasks in this process until SIGINT/SIGTERM (or the queue is empty
    with ``batch``), with the periodic scheduler, the table pollers and ``fast_lanes``
    threads for the fast queue beside it."""
    stop = threading.Event()
    # db_worker installs its graceful handlers only once it starts claiming; a SIGTERM in
    # the seconds before (imports, scheduler, pollers) killed the process outright and left
    # its beat behind, so the worker looked alive. Until then a stop unwinds through the
    # `finally` below like any other.
    previous = _stop_on_signals()
    # Tasks in the database carry the id of the worker running them, so that the others
    # can tell when it died (siyu.worker.recovery); rq keeps its own registry of that.
    worker_id = None if uses_redis() else recovery.new_worker_id()
    lanes: list[tuple[Any, threading.Thread]] = []
    try:
        if worker_id is not None:
            recovery.beat(worker_id)  # before the first claim, so no task is ours unseen
        log.info(
            "worker %s started: queues %s, %d fast lane(s), pollers %s%s",
            worker_id or "(rq)",
            ",".join(worker_queues()),
            0 if batch else fast_lanes,
            ",".join(POLLERS) or "-",
            " (batch: until the queues are empty)" if batch else "",
        )
        if not batch:
            follow_parent(stop)
            start_scheduler(stop, worker_id=worker_id)
            start_pollers(stop)
            if worker_id is not None:
                lanes = start_fast_lanes(worker_id, fast_lanes, interval)
        else:
            drain_pollers()  # what they hand on (e.g. onboarding) is queued before the run
        _run_db_worker(interval=interval, batch=batch, verbosity=verbosity, worker_id=worker_id)
    finally:
        stop.set()
        stop_fast_lanes(lanes)
        if worker_id is not None:
            _forget_on_a_fresh_connection(worker_id)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _forget_on_a_fresh_connection(worker_id: str) -> None:
    """Remove this worker's beat, whatever state the stop left the main connection in.

    A stop signal lands anywhere in the main thread, also between a BEGIN and Django's
    bookkeeping of it: the connection may be inside a transaction (holding SQLite's write
    lock) or flagged as inside an atomic block nobody will leave, and a delete on it is
    refused or never committed. Closing it makes the server roll back; a thread of its own
    gets a connection of its own."""
    with contextlib.suppress(DatabaseError):
        connection.close()

    def forget() -> None:
        try:
            recovery.forget(worker_id)
        except DatabaseError:
            log.exception("worker %s: could not remove its beat", worker_id)
        finally:
            connection.close()

    thread = threading.Thread(target=forget, name="siyu-worker-stop")
    thread.start()
    thread.join()


def _stop_on_signals() -> dict[int, Any]:
    """Raise SystemExit on SIGTERM/SIGINT; returns the handlers it replaced."""

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    if threading.current_thread() is not threading.main_thread():
        return {}
    return {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGINT)}


def start_fast_lanes(
    worker_id: str, count: int, interval: float
) -> list[tuple[Any, threading.Thread]]:
    """Threads that take only fast-queue tasks (onboarding: a welcome code dies 20 s after
    the add), so that they never wait behind a long task on the main thread, and several
    onboardings overlap their waits on WeCom's API."""
    from django_tasks_db.management.commands.db_worker import Worker

    lanes = []
    for index in range(count):
        lane = Worker(
            queue_names=[FAST_QUEUE],
            interval=interval,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=recovery.lane_id(worker_id, index),
            excluded_queue_names=[],
        )
        thread = threading.Thread(
            target=_run_lane, args=(lane,), name=f"siyu-fast-{index}", daemon=True
        )
        thread.start()
        lanes.append((lane, thread))
    return lanes


def _run_lane(lane: Any) -> None:
    try:
        lane.run()
    except Exception:
        log.exception("fast lane %s stopped", lane.worker_id)
    finally:
        connection.close()


def stop_fast_lanes(lanes: list[tuple[Any, threading.Thread]]) -> None:
    """Let each lane finish the task it is running (they are short), then return."""
    for lane, _thread in lanes:
        lane.running = False
    for _lane, thread in lanes:
        thread.join(timeout=STOP_GRACE_SECONDS)


def uses_redis() -> bool:
    return str(settings.TASKS["default"]["BACKEND"]).startswith("django_tasks_rq.")


def _run_db_worker(
    *, interval: float, batch: bool, verbosity: int, worker_id: str | None = None
) -> None:
    if uses_redis():
        call_command(
            "rqworker",
            *worker_queues(),
            job_class="django_tasks_rq.Job",
            burst=batch,
            verbosity=verbosity,
        )
        return
    call_command(
        "db_worker",
        queue_name=",".join(worker_queues()),
        interval=interval,
        batch=batch,
        # Autoreload forks a child that outlives Ctrl-C handling in `siyu demo`; never here.
        reload=False,
        verbosity=verbosity,
        **({"worker_id": worker_id} if worker_id else {}),
    )


def spawn_worker(extra_args: Sequence[str] = ()) -> subprocess.Popen[bytes]:
    """Start ``siyu worker`` as a child in our process group, so a terminal's Ctrl-C
    reaches it too and it stops at a task boundary."""
    command = [sys.executable, "-m", "siyu.cli", "worker", *extra_args]
    env = {**os.environ, PARENT_ENV: str(os.getpid())}
    return subprocess.Popen(command, env=env)  # noqa: S603 - our own command


def follow_parent(
    stop: threading.Event, every: float = 1.0, grace: float = STOP_GRACE_SECONDS
) -> None:
    """A worker spawned by `siyu demo` stops (gracefully, as on Ctrl-C) when the demo is
    gone: a demo killed with SIGKILL left its worker running on the data directory.

    It asks again after ``grace`` while the process lives: a stop signal that lands while
    the main thread is inside an import raises in one of importlib's callbacks, where
    Python prints the SystemExit and drops it, and a worker asked once ran on. The second
    ask is the one db_worker treats as "stop now", as on a second Ctrl-C."""
    parent = os.environ.get(PARENT_ENV, "")
    if not parent.isdigit():
        return

    def watch() -> None:
        while not stop.wait(every):
            if os.getppid() != int(parent):
                log.warning("the process that started this worker is gone: stopping")
                break
        else:
            return
        for _ask in range(3):
            os.kill(os.getpid(), signal.SIGTERM)
            if stop.wait(grace):
                return
        log.error("the worker did not stop when asked: leaving now")
        os._exit(128 + signal.SIGTERM)

    threading.Thread(target=watch, name="siyu-worker-parent", daemon=True).start()


def stop_worker(process: subprocess.Popen[bytes], grace: float = STOP_GRACE_SECONDS) -> int:
    """Ask the child to stop (it may already have SIGINT from the terminal), then insist."""
    if process.poll() is None:
        process.terminate()
    try:
        return process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()
