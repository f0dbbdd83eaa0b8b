"""The web servers that run ``siyu.wsgi``: in this process with threads (``siyu demo``),
or in worker processes (``siyu serve``). Both raise OSError when the port is taken."""

from __future__ import annotations

import signal
import socket
from types import FrameType


def serve_in_process(host: str, port: int, *, threads: int) -> None:
    """waitress, in this process: ``siyu demo`` runs the simulator and the live arrivals
    beside it, and Ctrl-C stops everything at once. SIGTERM (a supervisor, `kill`) raises
    KeyboardInterrupt like Ctrl-C, so the caller's ``finally`` blocks stop the worker."""
    import waitress  # type: ignore[import-untyped]  # no bundled types; stubs not worth a dev dependency

    from siyu.wsgi import application

    def on_term(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    waitress.serve(application, host=host, port=port, threads=threads, ident="siyu")


def serve_processes(host: str, port: int, *, workers: int, threads: int) -> None:
    """granian: worker processes, HTTP parsed in Rust, so a burst of WeCom callbacks gets
    every core. Each worker imports siyu.wsgi with this process's environment."""
    from granian import Granian
    from granian.constants import Interfaces

    with socket.socket() as probe:  # granian only logs a bind failure; raise it first
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
    Granian(
        "siyu.wsgi:application",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        respawn_failed_workers=True,
    ).serve()
