"""The ``siyu`` command: one entry point for running, loading and administering Siyu.

Settings read keys from the environment at import time, so every command first decides the
data directory (and, for the demo, whether keys may be generated), then starts Django.
Bad input ends with a one-line message and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(
    name="siyu",
    help="Siyu: self-hostable private-domain customer operations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Where SQLite and generated keys live (env SIYU_DATA_DIR)."),
]


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]Error:[/red] {message}", highlight=False)
    return typer.Exit(code)


def setup_django(
    data_dir: Path | None, *, autogen_keys: bool = False, migrated: bool = True
) -> None:
    """Start Django on the data directory; with ``migrated``, refuse (one line, exit 2) a
    database that `siyu migrate` has not brought up to date, instead of a traceback at
    its first query."""
    if data_dir is not None:
        os.environ["SIYU_DATA_DIR"] = str(data_dir.resolve())
    if autogen_keys:
        os.environ["SIYU_AUTOGEN_KEYS"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siyu.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        raise fail(f"configuration: {exc}", 2) from None
    if migrated:
        require_migrated()


def require_migrated() -> None:
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        raise fail(f"cannot open the database: {exc}", 2) from None
    if plan:
        raise fail(f"the database lacks {len(plan)} migration(s): run `siyu migrate` first", 2)


def apply_migrations(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


@contextmanager
def progress_bar(label: str, total: int) -> Iterator[Any]:
    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=out, transient=False) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def run_simulation(customers: int, seed: int, verb_people: int | None = None) -> float:
    from siyu.customers.models import Customer, CustomerStatus
    from siyu.demo.simulate import MIN_CUSTOMERS, VERB_PEOPLE, simulate

    if customers < MIN_CUSTOMERS:
        raise fail(f"--customers must be at least {MIN_CUSTOMERS}")
    existing = Customer.objects.filter(status=CustomerStatus.ACTIVE).count()
    if existing:
        raise fail(
            f"the database already holds {existing} customers; "
            "simulate into an empty one (use a fresh --data-dir or DATABASE_URL)"
        )
    started = time.perf_counter()
    with progress_bar("Simulating 山茶咖啡", customers) as advance:
        result = simulate(customers, seed, verb_people=verb_people or VERB_PEOPLE, progress=advance)
    elapsed = time.perf_counter() - started
    out.print(
        f"{result.customers} profiles from {result.people} people, {result.orders} orders, "
        f"{result.events} events in {elapsed:.1f}s"
    )
    return elapsed


@app.command()
def simulate(
    customers: Annotated[int, typer.Option(help="People to generate.")] = 2000,
    seed: Annotated[int, typer.Option(help="Same seed, same brand.")] = 7,
    all_verbs: Annotated[
        bool, typer.Option(help="Load every person through the customer verbs (slow).")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Build the demo brand 山茶咖啡 with N customers into an empty database."""
    setup_django(data_dir, autogen_keys=True, migrated=False)
    # The demo's modules import models: only now that Django is set up.
    from siyu.demo.simulate import MIN_CUSTOMERS

    if customers < MIN_CUSTOMERS:
        raise fail(f"--customers must be at least {MIN_CUSTOMERS}")
    apply_migrations()
    run_simulation(customers, seed, customers if all_verbs else None)


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port for the web server.")] = 8000,
    data_dir: Annotated[Path, typer.Option(help="Data directory.")] = Path("var"),
    customers: Annotated[int, typer.Option(help="Demo size when the database is empty.")] = 2000,
    seed: int = 7,
    wecom_port: Annotated[int, typer.Option(help="Port for the WeCom simulator.")] = 8900,
    live: Annotated[bool, typer.Option(help="Keep simulated customers arriving.")] = True,
    arrivals_every: Annotated[
        float, typer.Option(help="Seconds between simulated arrivals.", min=0.2)
    ] = 12.0,
) -> None:
    """Set up everything on SQLite in the data directory, fill the demo brand, and run the
    web server, the task worker and the WeCom simulator until Ctrl-C."""
    started = time.perf_counter()
    from siyu.demo.environment import point_at_simulator

    callback_url = point_at_simulator(port, wecom_port)
    setup_django(data_dir, autogen_keys=True, migrated=False)
    out.print(f"Data directory: {data_dir.resolve()}")
    with out.status("Migrating the database…"):
        apply_migrations()
    from siyu.customers.models import Customer

    if not Customer.objects.exists():
        run_simulation(customers, seed)
    from siyu.demo.live import start_arrivals
    from siyu.integrations.wecom.simulator.demo import start_demo_simulator, upload_demo_covers
    from siyu.worker.runner import spawn_worker, stop_worker

    try:
        sim, sim_server = start_demo_simulator(port=wecom_port, callback_url=callback_url)
    except OSError as exc:
        raise fail(f"cannot start the WeCom simulator on port {wecom_port}: {exc}") from None
    upload_demo_covers()
    from siyu.demo.content import open_sidebar_chat
    from siyu.demo.weekly_send import plan_weekly_send

    sidebar_user = open_sidebar_chat(sim)

    plan_weekly_send(sim, seed)
    worker = spawn_worker(["--data-dir", str(data_dir.resolve())])
    stop_arrivals = threading.Event()
    if live:
        start_arrivals(sim, stop_arrivals, every=arrivals_every, seed=seed)
    url = f"http://127.0.0.1:{port}/"
    out.print(f"\n[bold green]Siyu is ready[/bold green] in {time.perf_counter() - started:.0f}s")
    out.print(f"  Open  {url}\n  Login lin.yue / siyu-demo\n  Stop  Ctrl-C")
    out.print(f"  WeCom simulator {sim_server.url}\n")
    if sidebar_user:
        out.print(f"  Chat sidebar {url}sidebar/ (login {sidebar_user}: her chat with 张敏)\n")
    try:
        serve_wsgi("127.0.0.1", port, threads=4)
    finally:
        out.print("Stopping the task worker…")
        stop_arrivals.set()
        stop_worker(worker)
        sim_server.stop()


def serve_wsgi(host: str, port: int, *, threads: int) -> None:
    from siyu.serving import serve_in_process

    try:
        serve_in_process(host, port, threads=threads)
    except OSError as exc:
        raise fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    except KeyboardInterrupt:
        out.print("\nStopped.")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[
        int, typer.Option(help="Web processes (default: one per CPU core, at most 4).")
    ] = 0,
    threads: Annotated[int, typer.Option(help="Request threads per process.")] = 4,
    data_dir: DataDir = None,
) -> None:
    """Run the production web server (granian, WSGI). Run `siyu worker` beside it."""
    if workers < 0 or threads < 1:
        raise fail("--workers must be 0 (automatic) or more, --threads 1 or more")
    setup_django(data_dir)
    from django.core.management import call_command

    call_command("check", deploy=False, fail_level="ERROR")
    workers = workers or min(4, os.cpu_count() or 1)
    out.print(f"Serving on http://{host}:{port}/ ({workers} processes × {threads} threads)")
    from siyu.serving import serve_processes

    try:
        serve_processes(host, port, workers=workers, threads=threads)
    except OSError as exc:
        raise fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


@app.command()
def worker(
    interval: Annotated[float, typer.Option(help="Seconds between polls when idle.")] = 1.0,
    batch: Annotated[bool, typer.Option(help="Run what is queued, then exit.")] = False,
    nice: Annotated[
        int,
        typer.Option(
            help="Lower this process's CPU priority by this much (Unix nice; 0 keeps it), "
            "so that on a shared machine answering requests comes first."
        ),
    ] = 10,
    fast_lanes: Annotated[
        int,
        typer.Option(
            help="Threads that run only the fast queue (onboarding of new contacts), so "
            "that a welcome never waits behind a long task and several overlap their "
            "waits on WeCom."
        ),
    ] = 2,
    data_dir: DataDir = None,
) -> None:
    """Run the background task worker (queues default and fast) and the inbox pollers."""
    if interval <= 0:
        raise fail("--interval must be positive")
    if not 0 <= nice <= 19:
        raise fail("--nice must be between 0 and 19")
    if not 0 <= fast_lanes <= 32:
        raise fail("--fast-lanes must be between 0 and 32")
    if nice and hasattr(os, "nice"):
        # WeCom retries a callback not acknowledged within 5 s, so a burst must be answered
        # before it is processed; the worker catches up as soon as the web processes idle.
        os.nice(nice)
    setup_django(data_dir)
    from siyu.worker.runner import run_worker

    run_worker(interval=interval, batch=batch, fast_lanes=fast_lanes)


@app.command("migrate", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def migrate_command(ctx: typer.Context, data_dir: DataDir = None) -> None:
    """Apply database migrations (arguments pass through to Django's migrate)."""
    setup_django(data_dir, migrated=False)
    from django.core.management import call_command
    from django.core.management.base import CommandError

    try:
        call_command("migrate", *ctx.args)
    except CommandError as exc:
        raise fail(str(exc)) from None


@app.command()
def createadmin(
    username: Annotated[str, typer.Argument(help="Login name.")],
    password: Annotated[
        str | None, typer.Option(help="Password (asked for when not given).")
    ] = None,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    brand_name: Annotated[str, typer.Option(help="Brand to create if none exists.")] = "",
    data_dir: DataDir = None,
) -> None:
    """Create an administrator at the brand level of the organisation tree."""
    setup_django(data_dir)
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    if get_user_model().objects.filter(username=username).exists():
        raise fail(f"a user named {username!r} already exists")
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        validate_password(password)
    except ValidationError as exc:
        raise fail(" ".join(exc.messages)) from None
    brand = brand_unit(brand_name)
    from siyu.core.models import Role
    from siyu.core.org import create_staff

    create_staff(username, name or username, Role.ADMIN, brand, password)
    out.print(f"Created administrator {username} at {brand.name}.")


def brand_unit(name: str) -> Any:
    """The brand at the top of the org tree; a fresh install gets one named ``name``."""
    from siyu.core.models import OrgKind, OrgUnit
    from siyu.core.org import create_org_unit

    brand = OrgUnit.objects.filter(kind=OrgKind.BRAND).order_by("pk").first()
    if brand is not None:
        return brand
    if not name.strip():
        raise fail("there is no brand yet: pass --brand-name to create it")
    return create_org_unit(name.strip(), OrgKind.BRAND)


@app.command("import")
def import_file(
    kind: Annotated[str, typer.Argument(help="customers or orders")],
    file: Annotated[Path, typer.Argument(help="CSV file (UTF-8 or GBK).")],
    skip_invalid: Annotated[
        bool, typer.Option(help="Import the valid rows and report the others.")
    ] = False,
    update: Annotated[
        bool, typer.Option(help="Correct orders stored with other content (audited).")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Import customers or orders from a CSV file. A file with invalid rows writes nothing
    unless --skip-invalid; an order stored with other content is reported unless --update."""
    if kind not in ("customers", "orders"):
        raise fail(f"kind must be customers or orders, not {kind!r}", 2)
    if not file.is_file():
        raise fail(f"cannot read {file}", 2)
    setup_django(data_dir)
    from siyu.imports.csvfile import CsvFileError
    from siyu.imports.whole_file import approximate_rows, check_path, import_path, summary
    from siyu.imports.writer import Options

    total = approximate_rows(file)
    checked = None
    try:
        if not skip_invalid:
            with progress_bar(f"Checking {kind}", total) as advance:
                checked = check_path(kind, file, advance, keep=True)
            if checked.errors:
                print_errors(checked.errors)
                raise fail(f"{checked.rejected_rows} row(s) with problems; nothing was imported")
        with progress_bar(f"Importing {kind}", total) as advance:
            tally = import_path(kind, file, Options(update=update), advance, checked=checked)
    except CsvFileError as exc:
        raise fail(str(exc)) from None
    print_errors(tally.errors)
    out.print(summary(kind, tally))
    if tally.errors and not skip_invalid:
        raise typer.Exit(1)


def print_errors(errors: list[Any]) -> None:
    if not errors:
        return
    table = Table("Row", "Column", "Problem", title="Rows with problems")
    for e in sorted(errors, key=lambda e: e.row)[:200]:
        table.add_row(str(e.row), e.column, e.message)
    err.print(table)
    if len(errors) > 200:
        err.print(f"… and {len(errors) - 200} more")


from siyu.integrations.wecom.commands import register as register_wecom  # noqa: E402

register_wecom(app)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
