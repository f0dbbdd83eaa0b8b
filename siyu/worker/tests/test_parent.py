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
