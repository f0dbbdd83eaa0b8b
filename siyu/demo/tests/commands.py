"""Running `siyu …` the way a user does, for tests: a subprocess with a clean environment
(no test settings, no test database), its output kept, a traceback or a bad exit named."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

README = Path(__file__).resolve().parents[3] / "README.md"
START_TIMEOUT = 240.0
STOP_TIMEOUT = 30.0
# What the test process carries that a user's shell would not.
TEST_ONLY_ENV = ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "SIYU_AUTOGEN_KEYS", "SIYU_TASK_BACKEND")


def siyu_executable() -> list[str]:
    """The installed `siyu` script beside this interpreter (what `uv run siyu` runs)."""
    script = Path(sys.executable).with_name("siyu")
    return [str(script)] if script.exists() else [sys.executable, "-m", "siyu.cli"]


def user_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in TEST_ONLY_ENV}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Run:
    """One command's outcome; ``problems`` names what a user would call broken."""

    args: list[str]
    returncode: int
    output: str
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        label = " ".join(self.args)
        if self.returncode != 0:
            self.problems.append(f"`{label}` exited {self.returncode}:\n{self.output[-3000:]}")
        if "Traceback (most recent call last)" in self.output:
            self.problems.append(f"`{label}` printed a traceback:\n{self.output[-3000:]}")


def run(args: list[str], env: dict[str, str], timeout: float = 600.0) -> Run:
    done = subprocess.run(  # noqa: S603 - our own command
        [*siyu_executable(), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Run(args, done.returncode, done.stdout + done.stderr)


class Started:
    """A long-running command: started, waited for until ``ready()``, stopped with Ctrl-C."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.args = args
        self.log: IO[str] = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 - our own command
            [*siyu_executable(), *args],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def wait_until(self, ready: Callable[[], bool], timeout: float = START_TIMEOUT) -> str:
        """'' once ready; otherwise why not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return f"`{' '.join(self.args)}` ended before it was ready"
            try:
                if ready():
                    return ""
            except (httpx.HTTPError, OSError):
                pass
            time.sleep(0.3)
        return f"`{' '.join(self.args)}` was not ready within {timeout:.0f}s"

    def stop(self) -> Run:
        """Ctrl-C, as a user stops it; a clean stop exits 0."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        output = self.output()
        self.log.close()
        return Run(self.args, code, output)


def answers(url: str) -> Callable[[], bool]:
    """Ready when the URL answers anything but a server error."""
    return lambda: httpx.get(url, timeout=5).status_code < 500
