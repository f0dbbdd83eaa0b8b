"""A worker started by `siyu demo` does not outlive it: a demo killed with SIGKILL (no
chance to stop its child) left the worker running on the data directory."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from siyu.worker.tests.processes import database_url

pytestmark = pytest.mark.django_db(transaction=True)

# Stands in for `siyu demo`: spawns the worker as the demo does, says its pid, then waits.
PARENT = """
import django, sys, time
django.setup()
from siyu.worker.runner import spawn_worker
print(spawn_worker(["--interval", "0.1", "--nice", "0"]).pid, flush=True)
time.sleep(600)
"""


def _gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        reaped = _reap(pid)
        if reaped:
            return True
        time.sleep(0.2)
    return False


def _reap(pid: int) -> bool:
    try:
        done, _status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:  # not our child: only kill(0) can tell
        return False
    return done == pid


def test_the_worker_stops_when_the_demo_that_started_it_is_killed(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": database_url(), "SIYU_DATA_DIR": str(tmp_path)}
    parent = subprocess.Popen(  # noqa: S603 - our own code
        [sys.executable, "-c", PARENT], env=env, stdout=subprocess.PIPE, text=True
    )
    worker_pid = 0
    try:
        assert parent.stdout is not None
        worker_pid = int(parent.stdout.readline())
        time.sleep(1.5)
        assert not _gone(worker_pid, 0.1)  # running while its parent runs
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        assert _gone(worker_pid, 60), "the worker outlived the killed demo"
    finally:
        parent.kill()
        if worker_pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker_pid, signal.SIGKILL)


# A worker whose first stop signal is lost, as when it lands inside an import: the
# watcher asks again instead of leaving the orphan running.
SWALLOWS_ONE = """
import os, signal, sys, threading, time
asked = []
def once(signum, frame):
    asked.append(signum)
    if len(asked) > 1:
        sys.exit(0)
signal.signal(signal.SIGTERM, once)
os.environ["SIYU_WORKER_PARENT_PID"] = str(os.getppid() + 1_000_000)
import django
django.setup()
from siyu.worker.runner import follow_parent
follow_parent(threading.Event(), every=0.05, grace=0.3)
time.sleep(30)
sys.exit(3)
"""


def test_the_worker_is_asked_again_when_its_first_stop_is_lost() -> None:
    child = subprocess.run(  # noqa: S603 - our own code
        [sys.executable, "-c", SWALLOWS_ONE],
        timeout=20,
        check=False,
    )
    assert child.returncode == 0
