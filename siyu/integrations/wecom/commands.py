"""`siyu wecom check` and `siyu wecom-sim` (registered on the main command in siyu/cli.py)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

wecom_app = typer.Typer(help="WeCom: check the set-up, run the simulator.", no_args_is_help=True)


def _setup(data_dir: Path | None, *, autogen: bool = False, migrated: bool = True) -> None:
    from siyu.cli import setup_django

    setup_django(data_dir, autogen_keys=autogen, migrated=migrated)


@wecom_app.command("check")
def check(
    callback_url: Annotated[
        str, typer.Option(help="Public callback URL (default SIYU_WECOM_CALLBACK_URL).")
    ] = "",
    data_dir: Annotated[Path | None, typer.Option(help="Data directory.")] = None,
) -> None:
    """Check corp id, secret, token fetch, API permission, callback keys and URL."""
    _setup(data_dir)
    from dataclasses import replace

    from siyu.cli import out
    from siyu.integrations.wecom.check import WeComConfig, run_checks

    config = WeComConfig.from_settings()
    if callback_url:
        config = replace(config, callback_url=callback_url)
    results = run_checks(config)
    for r in results:
        mark = "[green]✓[/green]" if r.ok else "[red]✗[/red]"
        out.print(f"{mark} {r.name}: {r.detail}", highlight=False)
    if not all(r.ok for r in results):
        raise typer.Exit(1)


def wecom_sim(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8900,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    callback_url: Annotated[
        str, typer.Option(help="Siyu's callback URL the simulator POSTs events to.")
    ] = "http://127.0.0.1:8000/wecom/callback/",
    data_dir: Annotated[Path | None, typer.Option(help="Data directory.")] = None,
) -> None:
    """Run the WeCom simulator over HTTP (point SIYU_WECOM_API_BASE at it)."""
    _setup(data_dir, autogen=True, migrated=False)  # runs on its own, database or not
    from siyu.cli import out
    from siyu.integrations.wecom.simulator.demo import demo_simulator
    from siyu.integrations.wecom.simulator.server import start_server

    sim = demo_simulator(callback_url)
    server = start_server(sim, host=host, port=port)
    out.print(f"WeCom simulator on {server.url} (corp {sim.corp_id}), callbacks → {callback_url}")
    out.print(f"  SIYU_WECOM_API_BASE={server.url}   Stop: Ctrl-C")
    try:
        while server.thread.is_alive():
            time.sleep(0.5)
    except KeyboardInterrupt:
        out.print("Stopped.")
    finally:
        server.stop()


def register(app: typer.Typer) -> None:
    from siyu.integrations.wecom.sync.commands import add_commands

    add_commands(wecom_app)
    app.add_typer(wecom_app, name="wecom")
    app.command("wecom-sim")(wecom_sim)
