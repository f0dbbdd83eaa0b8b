"""WeCom callbacks over HTTP against the real server process: acks/s, ack latency, and
whether a worker killed mid-run loses or duplicates anything.

    uv run python benchmarks/callbacks.py [--n N | --quick] [--threads 4] [--server-threads 8]

Starts `siyu serve` (waitress) and `siyu worker` as subprocesses on their own SQLite data
directory (var/bench-callbacks), or on DATABASE_URL when set, with the demo brand's staff.
Sends N signed, encrypted add_external_contact callbacks from a few client threads (plus
5 % re-deliveries of already-sent events with fresh nonces, as WeCom retries do). They carry
no WelcomeCode (as when the admin console sends its own welcome), so the worker's time is the
callback pipeline and the customer verbs, not welcome sends to an unreachable WeCom.
Run 1: worker running. Run 2: the worker is SIGKILLed a third of the way in and restarted
at two thirds. After the worker drains, every acknowledged event must have exactly one
inbox row and one appended customer event. Last line is JSON.
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
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA_DIR = ROOT / "var" / "bench-callbacks"
CORP_ID = "wwbenchcorp00001"
TOKEN = "BenchToken"  # noqa: S105 - a throwaway corp for this benchmark only
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
STAFF = ["ChenJing", "WangQiang", "LinYue", *(f"Sales{i:02d}" for i in range(1, 9))]
REDELIVERY = 0.05


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


Request = tuple[str, str, dict[str, str], str]  # ext, xml, query, body


@dataclass
class Sent:
    latencies: list[float] = field(default_factory=list)
    acked: set[str] = field(default_factory=set)
    requests: int = 0
    refused: int = 0
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


def post_until_acked(client: httpx.Client, url: str, req: Request, lat: list[float]) -> bool:
    _ext, xml, query, body = req
    for attempt in range(3):  # WeCom retries a callback that was not acknowledged
        if attempt:
            query, body = seal(xml)
        t0 = time.perf_counter()
        try:
            response = client.post(url, params=query, content=body)
        except httpx.TransportError:
            continue
        finally:
            lat.append(time.perf_counter() - t0)
        if response.status_code == 200 and response.content == b"success":
            return True
    return False


def send_all(url: str, requests: list[Request], threads: int, sent: Sent) -> None:
    def run(chunk: list[Request]) -> None:
        lat: list[float] = []
        with httpx.Client(timeout=10) as client:
            for req in chunk:
                ok = post_until_acked(client, url, req, lat)
                with sent.lock:
                    sent.requests += 1
                    if ok:
                        sent.acked.add(req[0])
                    else:
                        sent.refused += 1
        with sent.lock:
            sent.latencies.extend(lat)

    started = time.perf_counter()
    pool = [threading.Thread(target=run, args=(requests[i::threads],)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    sent.seconds = time.perf_counter() - started


def sealed_requests(run: str, n: int, seed: int) -> list[Request]:
    return [(ext, xml, *seal(xml)) for ext, xml in make_events(run, n, random.Random(seed))]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def drain(runs: list[str], timeout: float) -> float:
    from siyu.integrations.wecom.models import CallbackInbox, InboxStatus

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if not CallbackInbox.objects.filter(status=InboxStatus.PENDING).exists():
            return time.perf_counter() - started
        time.sleep(0.5)
    raise SystemExit(f"worker did not drain within {timeout:.0f}s")


def count(run: str, acked: set[str]) -> tuple[int, int, int]:
    """(lost, duplicated events, duplicated inbox rows) for one run's acknowledged events."""
    from collections import Counter

    from siyu.customers.models import Event
    from siyu.integrations.wecom.models import CallbackInbox

    appended = Counter(
        Event.objects.filter(
            type="wecom_contact_added", properties__external_user_id__startswith=f"wm{run}"
        ).values_list("properties__external_user_id", flat=True)
    )
    rows = CallbackInbox.objects.filter(payload__contains=f"wm{run}").count()
    lost = len(acked - set(appended))
    duplicated = sum(c - 1 for c in appended.values())
    return lost, duplicated, rows - len(acked)


def run_with_worker_restart(
    url: str, requests: list[Request], threads: int, env: dict[str, str], worker: list[object]
) -> Sent:
    sent = Sent()
    sender = threading.Thread(target=send_all, args=(url, requests, threads, sent))
    sender.start()
    total = len(requests)
    while sender.is_alive() and sent.requests < total // 3:
        time.sleep(0.01)
    proc = worker[0]
    assert isinstance(proc, subprocess.Popen)
    proc.send_signal(signal.SIGKILL)  # no grace: a task may die half-way
    proc.wait()
    print(f"  worker killed after {sent.requests} callbacks", flush=True)
    while sender.is_alive() and sent.requests < 2 * total // 3:
        time.sleep(0.01)
    worker[0] = start(["worker", "--interval", "0.2"], env)
    print(f"  worker restarted after {sent.requests} callbacks", flush=True)
    sender.join()
    return sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--quick", action="store_true", help="n=500, under a minute")
    parser.add_argument("--threads", type=int, default=4, help="client threads")
    parser.add_argument("--server-threads", type=int, default=8)
    args = parser.parse_args()
    n = 500 if args.quick else args.n
    env = configure()
    port = free_port()
    url = f"http://127.0.0.1:{port}/wecom/callback/"
    serve_args = ["serve", "--port", str(port), "--threads", str(args.server_threads)]
    server = start(serve_args, env)
    worker: list[object] = [start(["worker", "--interval", "0.2"], env)]
    try:
        wait_ready(url)
        runs = [secrets.token_hex(3), secrets.token_hex(3)]
        print(f"run 1: {n} callbacks (+{REDELIVERY:.0%} re-deliveries), worker running")
        first = Sent()
        send_all(url, sealed_requests(runs[0], n, 1), args.threads, first)
        print(f"run 2: {n} callbacks, worker SIGKILLed at 1/3 and restarted at 2/3")
        second = run_with_worker_restart(
            url, sealed_requests(runs[1], n, 2), args.threads, env, worker
        )
        drained = drain(runs, timeout=900)
        results = [count(run, s.acked) for run, s in zip(runs, (first, second), strict=True)]
    finally:
        for proc in (server, worker[0]):
            assert isinstance(proc, subprocess.Popen)
            proc.terminate()
            proc.wait(timeout=30)
    report(n, first, second, results, drained)


def report(
    n: int, first: Sent, second: Sent, results: list[tuple[int, int, int]], drained: float
) -> None:
    print(
        f"\n{'run':<26}{'requests':>9}{'acked':>8}{'per_s':>9}{'p50 ms':>8}{'p99 ms':>8}"
        f"{'lost':>6}{'dup ev':>7}{'dup row':>8}"
    )
    for name, sent, (lost, dup, dup_rows) in zip(
        ("worker running", "worker killed+restarted"), (first, second), results, strict=True
    ):
        print(
            f"{name:<26}{sent.requests:>9}{len(sent.acked):>8}"
            f"{sent.requests / sent.seconds:>9.0f}{pct(sent.latencies, 0.5):>8.1f}"
            f"{pct(sent.latencies, 0.99):>8.1f}{lost:>6}{dup:>7}{dup_rows:>8}"
        )
    print(f"worker drained the backlog {drained:.1f}s after the last callback")
    print(
        json.dumps(
            {
                "bench": "callbacks",
                "n": n,
                "per_s": round(first.requests / first.seconds),
                "p50_ms": round(pct(first.latencies, 0.5), 1),
                "p99_ms": round(pct(first.latencies, 0.99), 1),
                "restart_per_s": round(second.requests / second.seconds),
                "restart_p99_ms": round(pct(second.latencies, 0.99), 1),
                "refused": first.refused + second.refused,
                "drain_s": round(drained, 1),
                "lost": sum(r[0] for r in results),
                "duplicated": sum(r[1] + r[2] for r in results),
                "database": os.environ.get("DATABASE_URL", "sqlite").split("@")[-1],
            }
        )
    )


if __name__ == "__main__":
    main()
