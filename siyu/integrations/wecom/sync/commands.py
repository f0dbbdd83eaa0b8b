"""`siyu wecom sync` and `siyu wecom transfer` (added to the `wecom` sub-app)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from siyu.integrations.wecom.syncstate.models import SyncRun

DataDir = Annotated[Path | None, typer.Option(help="Data directory.")]


def _setup(data_dir: Path | None) -> None:
    from siyu.cli import setup_django

    setup_django(data_dir)


def _print_run(run: SyncRun) -> None:
    from siyu.cli import out

    when = run.finished_at or run.updated_at
    out.print(f"{run.kind} #{run.pk} {run.status} at {when:%Y-%m-%d %H:%M:%S}", highlight=False)
    for name, value in sorted(run.counts.items()):
        out.print(f"  {name}: {value}", highlight=False)
    if run.unknown_userids:
        out.print(f"  WeCom userids with no staff here: {', '.join(run.unknown_userids)}")
    for error in run.errors:
        out.print(f"  [red]error[/red] {error}", highlight=False)


def _full_sync(restart: bool) -> SyncRun:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from siyu.cli import out
    from siyu.integrations.wecom.sync.full import run_full_sync
    from siyu.integrations.wecom.transport import wecom_client

    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=out) as bar:
        task = bar.add_task("Syncing staff contacts", total=None)

        def advance(userid: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, description=f"Synced {userid}")

        return run_full_sync(wecom_client(), restart=restart, progress=advance)


def sync(
    restart: Annotated[bool, typer.Option(help="Start over instead of resuming.")] = False,
    reconcile: Annotated[bool, typer.Option(help="Run the reconciliation now.")] = False,
    report: Annotated[bool, typer.Option(help="Show the last runs, change nothing.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Full sync (staff, tags, contacts, groups), resuming an interrupted run."""
    _setup(data_dir)
    from siyu.integrations.wecom.syncstate.models import RunKind, SyncRun

    if report:
        for kind in (RunKind.FULL, RunKind.RECONCILE):
            last = SyncRun.objects.filter(kind=kind).order_by("-created_at", "-pk").first()
            if last is not None:
                _print_run(last)
        return
    if reconcile:
        from siyu.integrations.wecom.sync.reconcile import reconcile_follows
        from siyu.integrations.wecom.transport import wecom_client

        _print_run(reconcile_follows(wecom_client()))
        return
    _print_run(_run_or_fail(restart))


def _run_or_fail(restart: bool) -> SyncRun:
    import httpx
    from django.core.exceptions import ImproperlyConfigured

    from siyu.cli import fail
    from siyu.integrations.wecom.client.errors import WeComError

    try:
        return _full_sync(restart)
    except (ImproperlyConfigured, WeComError, httpx.HTTPError) as exc:
        # The run stays open at its checkpoints: running the command again resumes it.
        raise fail(f"sync stopped: {exc} — run `siyu wecom sync` again to resume") from None


def transfer(
    from_userid: Annotated[str, typer.Argument(help="WeCom userid handing over.")] = "",
    to_userid: Annotated[str, typer.Argument(help="WeCom userid taking over.")] = "",
    resigned: Annotated[bool, typer.Option(help="The staff member has left.")] = False,
    message: Annotated[str, typer.Option(help="Message shown to customers.")] = "",
    poll: Annotated[bool, typer.Option(help="Only poll open transfers.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Hand a staff member's customers to another (results are polled every 15 min)."""
    _setup(data_dir)
    from siyu.cli import fail, out
    from siyu.core.models import Staff
    from siyu.integrations.wecom.transfer import poll_transfers, transfer_customers
    from siyu.integrations.wecom.transport import wecom_client

    client = wecom_client()
    if poll:
        out.print(f"{poll_transfers(client)} transfer items changed")
        return
    staff = {
        s.wecom_userid: s for s in Staff.objects.filter(wecom_userid__in=[from_userid, to_userid])
    }
    if from_userid not in staff or to_userid not in staff:
        raise fail("both userids must belong to staff (see `siyu wecom sync --report`)")
    job = transfer_customers(
        staff[from_userid], staff[to_userid], resigned=resigned, client=client, message=message
    )
    counts = {s: job.items.filter(status=s).count() for s in ("pending", "failed")}
    out.print(f"transfer #{job.pk}: {counts['pending']} waiting, {counts['failed']} refused")
    if job.groups_left_out:
        out.print(f"groups to hand over in the WeCom admin: {', '.join(job.groups_left_out)}")


def add_commands(app: typer.Typer) -> None:
    app.command("sync")(sync)
    app.command("transfer")(transfer)
