"""WeCom callbacks over HTTP against the real server process: acks/s, ack latency, and
whether a worker killed mid-run loses or duplicates anything.

    uv run python benchmarks/callbacks.py [--n N | --quick] [--connections 16]
        [--web-workers 2] [--web-threads 4] [--worker-nice 10]

Starts `siyu serve` and `siyu worker` as subprocesses on their own SQLite data directory
(var/bench-callbacks), or on DATABASE_URL when set, with the demo brand's staff. Sends N
signed, encrypted add_external_contact callbacks per run over keep-alive connections (plus
5 % re-deliveries of already-sent events with fresh nonces, as WeCom retries do). The
client is a minimal asyncio HTTP/1.1 sender with every request sealed beforehand: it stands
for WeCom's servers, which are not on this machine, so it takes as little CPU as it can.
The events carry no WelcomeCode and WeCom's API is a closed local port, so the worker's
time is the callback pipeline and the customer verbs, not calls to WeCom.

Baseline first: the same server and processes serving the Django view through the full
middleware stack (no fast path), no worker running; its rows are then deleted.
Run 1: no worker running (the acknowledgement path alone, as when workers run on other
machines). Run 2: the worker running, processing run 1's backlog and run 2 on the same two
cores. Run 3: the worker is SIGKILLed a third of the way in and restarted at two thirds.
After the worker drains, every acknowledged event must have exactly one inbox row and one
appended customer event, and every onboarding task must have ended successfully (one a
killed worker was running is requeued by the restarted ones, SIYU_WORKER_LOST_AFTER later).
Two worker processes by default (--workers): both are killed.
A calibration loop is timed too: shared hosts vary in speed by 2-3x from hour to hour.
Last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import httpx
from callback_checks import count, drain, onboarding_outcomes
from http_sender import Request, Sent, http_request, pct, send

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA_DIR = ROOT / "var" / "bench-callbacks"
CORP_ID = "wwbenchcorp00001"
TOKEN = "BenchToken"  # noqa: S105 - a throwaway corp for this benchmark only
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
STAFF = ["ChenJing", "WangQiang", "LinYue", *(f"Sales{i:02d}" for i in range(1, 9))]
REDELIVERY = 0.05
RUNS = ("no worker running", "worker running", "worker killed+restarted")


def configure() -> dict[str, str]:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("DATABASE_URL"):
        for name in ("siyu.sqlite3", "siyu.sqlite3-wal", "siyu.sqlite3-shm"):
            (DATA_DIR / name).unlink(missing_ok=True)
        os.environ["SIYU_DATA_DIR"] = str(DATA_DIR)
    os.environ.update(
        SIYU_AUTOGEN_KEYS="1",
        SIYU_WECOM_CORP_ID=CORP_ID,
        SIYU_WECOM_TOKEN=TOKEN,
        SIYU_WECOM_AES_KEY=AES_KEY,
        SIYU_LOG_LEVEL="ERROR",
        # Welcome sends triggered by the add events fail fast on a closed local port
        # instead of resolving WeCom's hostname: this measures callbacks, not the network.
        SIYU_WECOM_API_BASE="http://127.0.0.1:9",
        DJANGO_SETTINGS_MODULE="siyu.settings",
    )
    import django

    django.setup()
    from django.core.management import call_command

    from siyu.core.models import Staff
    from siyu.demo.brand import build_brand

    call_command("migrate", interactive=False, verbosity=0)
    if not Staff.objects.filter(wecom_userid="ChenJing").exists():
        build_brand()
    return dict(os.environ)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "siyu.cli", *args]
    log = (DATA_DIR / f"{args[0]}.log").open("ab")  # the worker logs every task at INFO
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log)  # noqa: S603


def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 400:  # no parameters: refused
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not start")


def seal(event_xml: str) -> tuple[dict[str, str], str]:
    from siyu.integrations.wecom.crypto import seal as seal_event

    sealed = seal_event(
        event_xml,
        token=TOKEN,
        encoding_aes_key=AES_KEY,
        corp_id=CORP_ID,
        timestamp=str(int(time.time())),
        nonce=secrets.token_hex(8),  # WeCom's retries are re-signed with fresh nonces
    )
    return sealed.query(), sealed.body


def make_events(run: str, n: int, rng: random.Random) -> list[tuple[str, str]]:
    """(external userid, event XML) pairs; re-deliveries repeat an earlier XML exactly."""
    events: list[tuple[str, str]] = []
    now = int(time.time())
    for i in range(n):
        ext = f"wm{run}{i:06d}"
        xml = (
            f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
            f"<FromUserName><![CDATA[sys]]></FromUserName><CreateTime>{now}</CreateTime>"
            "<MsgType><![CDATA[event]]></MsgType>"
            "<Event><![CDATA[change_external_contact]]></Event>"
            "<ChangeType><![CDATA[add_external_contact]]></ChangeType>"
            f"<UserID><![CDATA[{rng.choice(STAFF)}]]></UserID>"
            f"<ExternalUserID><![CDATA[{ext}]]></ExternalUserID>"
            f"<State><![CDATA[bench_{i % 7}]]></State></xml>"
        )
        events.append((ext, xml))
        if rng.random() < REDELIVERY:
            events.append(rng.choice(events))
    return events


def send_all(url: str, requests: list[Request], connections: int, sent: Sent) -> None:
    """Send, re-sealing with a fresh nonce on a retry as WeCom does."""
    path = urllib.parse.urlsplit(url).path
    send(url, requests, connections, sent, reseal=lambda xml: http_request(path, *seal(xml)))


def sealed_requests(run: str, n: int, seed: int, path: str) -> list[Request]:
    return [
        (ext, xml, http_request(path, *seal(xml)))
        for ext, xml in make_events(run, n, random.Random(seed))
    ]


def run_with_worker_restart(
    url: str,
    requests: list[Request],
    connections: int,
    worker: list[object],
    worker_args: list[str],
    env: dict[str, str],
    sent: Sent,
) -> None:
    sender = threading.Thread(target=send_all, args=(url, requests, connections, sent))
    sender.start()
    total = len(requests)
    while sender.is_alive() and sent.requests < total // 3:
        time.sleep(0.01)
    for proc in worker:
        assert isinstance(proc, subprocess.Popen)
        proc.send_signal(signal.SIGKILL)  # no grace: a task may die half-way
        proc.wait()
    print(f"  workers killed after {sent.requests} callbacks", flush=True)
    while sender.is_alive() and sent.requests < 2 * total // 3:
        time.sleep(0.01)
    worker[:] = [start(worker_args, env) for _ in worker]
    print(f"  workers restarted after {sent.requests} callbacks", flush=True)
    sender.join()


def show(label: str, sent: Sent) -> None:
    print(
        f"{label} {len(sent.acked)}/{sent.requests}: {sent.requests / sent.seconds:.0f}/s, "
        f"p50 {pct(sent.latencies, 0.5):.1f} ms, p99 {pct(sent.latencies, 0.99):.1f} ms",
        flush=True,
    )


def warm_up(url: str, connections: int) -> None:
    """Every server process and thread imports, connects and prepares once, uncounted."""
    path = urllib.parse.urlsplit(url).path
    send_all(
        url, sealed_requests(secrets.token_hex(3), 20 * connections, 9, path), connections, Sent()
    )


def baseline(args: argparse.Namespace, env: dict[str, str], n: int) -> Sent:
    """The same callbacks through Django's full request handling (the application without
    the fast path), on the same server with the same processes and threads."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/wecom/callback/"
    command = [
        sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(args.web_workers),
        "--blocking-threads", str(args.web_threads), "--log-level", "error",
        "siyu.wsgi:django_application",
    ]  # fmt: skip
    log = (DATA_DIR / "baseline.log").open("ab")
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log)  # noqa: S603
    try:
        wait_ready(url)
        warm_up(url, args.connections)
        sent = Sent()
        send_all(
            url,
            sealed_requests(secrets.token_hex(3), n, 3, "/wecom/callback/"),
            args.connections,
            sent,
        )
        return sent
    finally:
        server.terminate()
        server.wait(timeout=30)
        from siyu.integrations.wecom.models import CallbackInbox

        CallbackInbox.objects.all().delete()  # nothing for the worker runs to process


def calibrate() -> float:
    """Seconds for a fixed pure-Python loop: this machine's speed at the time of the run
    (shared hosts vary by 2-3x from hour to hour), to compare figures across runs."""
    started = time.perf_counter()
    total = 0
    for i in range(5_000_000):
        total += i
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000, help="callbacks per run")
    parser.add_argument("--quick", action="store_true", help="n=500, about a minute")
    parser.add_argument("--connections", type=int, default=16, help="client connections")
    parser.add_argument("--web-workers", type=int, default=2, help="siyu serve --workers")
    parser.add_argument("--web-threads", type=int, default=4, help="siyu serve --threads")
    parser.add_argument("--worker-nice", type=int, default=10, help="siyu worker --nice")
    parser.add_argument("--workers", type=int, default=2, help="siyu worker processes")
    args = parser.parse_args()
    n = 500 if args.quick else args.n
    env = configure()
    speed = calibrate()
    port = free_port()
    url = f"http://127.0.0.1:{port}/wecom/callback/"
    path = urllib.parse.urlsplit(url).path
    serve_args = ["serve", "--port", str(port), "--workers", str(args.web_workers)]
    server = start([*serve_args, "--threads", str(args.web_threads)], env)
    worker_args = ["worker", "--interval", "0.2", "--nice", str(args.worker_nice)]
    worker: list[object] = []
    runs = {name: (secrets.token_hex(3), Sent()) for name in RUNS}
    try:
        print(f"baseline: {n // 4} callbacks through the Django view, no worker running")
        base = baseline(args, env, n // 4)
        show("  acknowledged", base)
        wait_ready(url)
        warm_up(url, args.connections)
        run_id, sent = runs["no worker running"]
        print(f"run 1: {n} callbacks (+{REDELIVERY:.0%} re-deliveries), no worker running")
        send_all(url, sealed_requests(run_id, n, 1, path), args.connections, sent)
        show("  acknowledged", sent)
        worker.extend(start(worker_args, env) for _ in range(args.workers))
        run_id, sent = runs["worker running"]
        print(f"run 2: {n} callbacks, the worker processing run 1's backlog and these")
        send_all(url, sealed_requests(run_id, n, 2, path), args.connections, sent)
        show("  acknowledged", sent)
        run_id, sent = runs["worker killed+restarted"]
        print(f"run 3: {n} callbacks, worker SIGKILLed at 1/3 and restarted at 2/3")
        requests = sealed_requests(run_id, n, 3, path)
        run_with_worker_restart(url, requests, args.connections, worker, worker_args, env, sent)
        show("  acknowledged", sent)
        drained = drain(timeout=3600)
        results = {name: count(run_id, sent.acked) for name, (run_id, sent) in runs.items()}
        tasks = onboarding_outcomes()
    finally:
        stop([server, *worker])
    sent_by_run = {name: sent for name, (_, sent) in runs.items()}
    report(n, sent_by_run, results, drained, base, speed, tasks)


def stop(processes: list[object]) -> None:
    for proc in processes:
        assert isinstance(proc, subprocess.Popen)
        proc.terminate()
        proc.wait(timeout=30)


def report(
    n: int,
    sent: dict[str, Sent],
    results: dict[str, tuple[int, int, int]],
    drained: float,
    base: Sent,
    speed: float,
    tasks: dict[str, int],
) -> None:
    print(
        f"\n{'run':<26}{'requests':>9}{'acked':>8}{'per_s':>9}{'p50 ms':>8}{'p99 ms':>8}"
        f"{'lost':>6}{'dup ev':>7}{'dup row':>8}"
    )
    for name, s in [*sent.items(), ("baseline: Django view", base)]:
        lost, dup, dup_rows = results.get(name, ("", "", ""))
        print(
            f"{name:<26}{s.requests:>9}{len(s.acked):>8}{s.requests / s.seconds:>9.0f}"
            f"{pct(s.latencies, 0.5):>8.1f}{pct(s.latencies, 0.99):>8.1f}"
            f"{lost:>6}{dup:>7}{dup_rows:>8}"
        )
    print(f"worker drained the backlog {drained:.1f}s after the last callback")
    print(f"onboarding tasks by outcome: {tasks}")
    print(f"machine speed: {speed:.2f}s for the calibration loop (lower is faster)")
    idle, busy, restart = (sent[name] for name in RUNS)
    print(
        json.dumps(
            {
                "bench": "callbacks",
                "n": n,
                "per_s": round(idle.requests / idle.seconds),
                "p50_ms": round(pct(idle.latencies, 0.5), 1),
                "p99_ms": round(pct(idle.latencies, 0.99), 1),
                "worker_running_per_s": round(busy.requests / busy.seconds),
                "worker_running_p99_ms": round(pct(busy.latencies, 0.99), 1),
                "restart_per_s": round(restart.requests / restart.seconds),
                "restart_p99_ms": round(pct(restart.latencies, 0.99), 1),
                "baseline_per_s": round(base.requests / base.seconds),
                "baseline_p99_ms": round(pct(base.latencies, 0.99), 1),
                "refused": sum(s.refused for s in sent.values()),
                "drain_s": round(drained, 1),
                "lost": sum(r[0] for r in results.values()),
                "duplicated": sum(r[1] + r[2] for r in results.values()),
                "onboarding_ok": tasks.get("SUCCESSFUL", 0),
                "onboarding_not_ok": sum(v for k, v in tasks.items() if k != "SUCCESSFUL"),
                "calibration_s": round(speed, 2),
                "database": os.environ.get("DATABASE_URL", "sqlite").split("@")[-1],
            }
        )
    )


if __name__ == "__main__":
    main()
