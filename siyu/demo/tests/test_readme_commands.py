"""Every command in the README's `siyu` table, run once as a user runs it: a subprocess in
a fresh data directory. Long-running ones are started, checked to answer, then stopped
with Ctrl-C. A traceback or a non-zero exit anywhere fails the test."""

from __future__ import annotations

import base64
import re
import secrets
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from siyu.demo.tests.commands import README, Run, Started, answers, free_port, run, user_env

# What the test runs for each command the README lists: a new row needs a recipe here.
KNOWN = {
    "siyu demo",
    "siyu serve",
    "siyu worker",
    "siyu migrate",
    "siyu import customers FILE.csv",
    "siyu import orders FILE.csv",
    "siyu simulate --customers N --seed S",  # run without --seed: the default seed
    "siyu createadmin USERNAME",
    "siyu wecom check",
    "siyu wecom-sim",
}
CORP_ID = "ww0a1b2c3d4e5f6a7b"
CUSTOMERS_CSV = "phone,display_name\n13912345678,小雨\n13812345679,阿杰\n"
ORDERS_CSV = (
    "phone,platform,order_no,paid_at,paid_amount,sku,quantity,unit_price\n"
    "13912345678,taobao,TB1,2025-03-01 14:30,58,BEAN,1,58\n"
)


def readme_commands() -> list[str]:
    section = README.read_text(encoding="utf-8").split("## The `siyu` command", 1)[1]
    section = section.split("\n## ", 1)[0]
    commands = []
    for line in section.splitlines():
        if line.startswith("| `siyu"):
            commands += re.findall(r"`(siyu [^`]*)`", line.split("|")[1])
    return commands


def operator_env(data_dir: Path, serve_port: int, sim_port: int) -> dict[str, str]:
    """A deployment configured from the environment (no generated keys), its WeCom being
    the simulator started by `siyu wecom-sim`."""
    pii_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    return user_env(
        SIYU_DATA_DIR=str(data_dir),
        SIYU_SECRET_KEY=secrets.token_urlsafe(50),
        SIYU_PII_KEY=pii_key,
        SIYU_WECOM_CORP_ID=CORP_ID,
        SIYU_WECOM_SECRET="readme-test-secret",
        SIYU_WECOM_TOKEN="ReadmeToken",
        SIYU_WECOM_AES_KEY="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        SIYU_WECOM_API_BASE=f"http://127.0.0.1:{sim_port}",
        SIYU_WECOM_CALLBACK_URL=f"http://127.0.0.1:{serve_port}/wecom/callback/",
    )


def worker_beats(data_dir: Path) -> bool:
    with sqlite3.connect(data_dir / "siyu.sqlite3") as db:
        return bool(db.execute("SELECT COUNT(*) FROM worker_workerbeat").fetchone()[0])


def deployment(tmp: Path) -> list[Run | str]:
    """migrate, createadmin, both imports, then serve + wecom-sim + wecom check + worker."""
    data_dir = tmp / "deployment"
    data_dir.mkdir()
    serve_port, sim_port = free_port(), free_port()
    env = operator_env(data_dir, serve_port, sim_port)
    (tmp / "customers.csv").write_text(CUSTOMERS_CSV, encoding="utf-8")
    (tmp / "orders.csv").write_text(ORDERS_CSV, encoding="utf-8")
    results: list[Run | str] = [
        run(["migrate"], env),
        run(["createadmin", "admin", "--password", "a-long-pass-9", "--brand-name", "山茶"], env),
        run(["import", "customers", str(tmp / "customers.csv")], env),
        run(["import", "orders", str(tmp / "orders.csv")], env),
    ]
    serve = Started(["serve", "--port", str(serve_port), "--workers", "1"], env)
    callback = f"http://127.0.0.1:{serve_port}/wecom/callback/"
    sim = Started(["wecom-sim", "--port", str(sim_port), "--callback-url", callback], env)
    worker = Started(["worker", "--nice", "0"], env)
    try:
        results.append(serve.wait_until(answers(f"http://127.0.0.1:{serve_port}/")))
        results.append(sim.wait_until(_gettoken_answers(sim_port)))
        results.append(run(["wecom", "check"], env))
        results.append(worker.wait_until(lambda: worker_beats(data_dir)))
    finally:
        results += [worker.stop(), sim.stop(), serve.stop()]
    return results


def _gettoken_answers(port: int) -> Callable[[], bool]:
    url = f"http://127.0.0.1:{port}/cgi-bin/gettoken"
    return lambda: "errcode" in httpx.get(url, params={"corpid": CORP_ID}, timeout=5).json()


def test_the_readme_lists_only_commands_this_test_runs() -> None:
    assert set(readme_commands()) == KNOWN


def demo_brand(tmp: Path) -> list[Run | str]:
    """simulate into a fresh data directory, then `siyu demo` on it (which migrates, keeps
    the brand it finds, and serves with the worker and the simulator)."""
    data_dir = tmp / "demo"
    simulated = run(["simulate", "--customers", "300", "--data-dir", str(data_dir)], user_env())
    port, wecom_port = free_port(), free_port()
    args = ["demo", "--data-dir", str(data_dir), "--port", str(port), "--wecom-port"]
    demo = Started([*args, str(wecom_port), "--arrivals-every", "0.5"], user_env())
    problems = []
    try:
        problems.append(demo.wait_until(answers(f"http://127.0.0.1:{port}/")))
        problems.append(refused_once(f"http://127.0.0.1:{port}"))
        problems.append(demo.wait_until(lambda: demo.output().count(ONBOARDED) >= ARRIVALS))
    finally:
        stopped = demo.stop()
    return [simulated, *problems, stopped, *log_problems(stopped.output)]


ONBOARDED = "wecom contact onboarded"
ARRIVALS = 8
# Start-up and shutdown lines of `siyu demo` (banner, servers, worker and its lanes).
FIXED_LINES = 30


def refused_once(base: str) -> str:
    """A sales member asks for headquarters' review queue: 403."""
    with httpx.Client(base_url=base, timeout=10) as browser:
        browser.get("/login/")
        form = {"username": "chen.jing", "password": "siyu-demo"}
        form["csrfmiddlewaretoken"] = browser.cookies.get("csrftoken") or ""
        browser.post("/login/", data=form, headers={"Referer": f"{base}/login/"})
        status = browser.get("/review/").status_code
    return "" if status == 403 else f"/review/ as sales staff answered {status}, not 403"


def log_problems(output: str) -> list[str]:
    """The demo's log: one line per arrival and per refusal; no per-call or per-task line."""
    lines = output.splitlines()
    arrivals = sum(ONBOARDED in line for line in lines)
    refusals = [line for line in lines if "Forbidden (Permission denied): /review/" in line]
    problems = [f"{len(refusals)} log lines for one refused request"] if len(refusals) != 1 else []
    noisy = [line for line in lines if "errcode=0" in line or "Task id=" in line]
    problems += [f"per-call or per-task lines at INFO: {noisy[:5]}"] if noisy else []
    if len(lines) > arrivals + len(refusals) + FIXED_LINES:
        problems.append(f"{len(lines)} log lines for {arrivals} arrivals:\n" + "\n".join(lines))
    return problems


@pytest.mark.slow
def test_every_readme_command_runs_in_a_fresh_data_directory(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # Two minutes or more (each command starts Django anew): nothing deselects "slow" by
    # default, so the test keeps itself out of the default run.
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("a minute or more; run with -m slow")
    # The two sequences use separate data directories: run them side by side.
    with ThreadPoolExecutor(1) as pool:
        demo = pool.submit(demo_brand, tmp_path)
        results = deployment(tmp_path)
        results += demo.result()
    problems = [r for r in results if isinstance(r, str) and r]
    problems += [p for r in results if isinstance(r, Run) for p in r.problems]
    assert problems == [], "\n\n".join(problems)


def test_simulate_sets_django_up_before_it_needs_it(tmp_path: Path) -> None:
    # It imported the demo's models first and crashed with AppRegistryNotReady.
    result = run(["simulate", "--customers", "3", "--data-dir", str(tmp_path)], user_env())
    assert result.returncode == 1
    assert "at least" in result.output
    assert "Traceback" not in result.output


def test_a_command_on_a_database_never_migrated_says_to_migrate(tmp_path: Path) -> None:
    env = operator_env(tmp_path, free_port(), free_port())
    result = run(["createadmin", "admin", "--password", "a-long-pass-9"], env)
    assert result.returncode == 2
    assert "run `siyu migrate` first" in result.output
    assert "Traceback" not in result.output
