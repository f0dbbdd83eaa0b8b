"""The `siyu` command rejects bad input with a message and a non-zero exit."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from siyu.cli import app
from siyu.customers.models import Customer
from siyu.demo.brand import Brand

runner = CliRunner()


def test_unknown_import_kind_exits_2_with_a_message(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", "people", str(tmp_path / "x.csv")])
    assert result.exit_code == 2
    assert "customers or orders" in result.output


def test_missing_file_exits_with_a_message(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", "customers", str(tmp_path / "missing.csv")])
    assert result.exit_code == 2
    assert "cannot read" in result.output
    assert "Traceback" not in result.output


def test_too_small_simulation_is_refused() -> None:
    result = runner.invoke(app, ["simulate", "--customers", "3"])
    assert result.exit_code == 1
    assert "at least" in result.output


def test_non_positive_worker_interval_is_refused() -> None:
    result = runner.invoke(app, ["worker", "--interval", "0"])
    assert result.exit_code == 1


@pytest.mark.django_db
def test_import_with_a_bad_row_writes_nothing(tmp_path: Path, brand: Brand) -> None:
    csv = tmp_path / "customers.csv"
    csv.write_text(
        "phone,display_name,store,owner\n13912345678,小雨,上海静安店,chen.jing\n139123,坏号码,,\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["import", "customers", str(csv)])
    assert result.exit_code == 1
    assert "nothing was imported" in result.output
    assert not Customer.objects.exists()

    skipped = runner.invoke(app, ["import", "customers", str(csv), "--skip-invalid"])
    assert skipped.exit_code == 0, skipped.output
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_createadmin_refuses_an_existing_username(brand: Brand) -> None:
    result = runner.invoke(app, ["createadmin", "lin.yue", "--password", "long-enough-1"])
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_worker_refuses_a_nice_value_out_of_range() -> None:
    result = runner.invoke(app, ["worker", "--nice", "40"])
    assert result.exit_code != 0
    assert "--nice must be between 0 and 19" in result.output


def test_serve_refuses_nonsense_process_counts() -> None:
    result = runner.invoke(app, ["serve", "--threads", "0"])
    assert result.exit_code != 0
    assert "--threads" in result.output


@pytest.mark.parametrize(
    "name",
    [
        "SIYU_MERGE_LIMIT",
        "SIYU_IDENTITY_LIMIT",
        "SIYU_WORKER_LOST_AFTER",
        "SIYU_IMPORT_CHUNK_ROWS",
        "SIYU_SQLITE_CACHE_MB",
        "SIYU_SQLITE_MMAP_MB",
    ],
)
def test_a_setting_that_is_not_a_number_is_named_not_a_traceback(name: str, tmp_path: Path) -> None:
    import subprocess

    from siyu.demo.tests.commands import siyu_executable, user_env

    done = subprocess.run(  # noqa: S603 - our own command
        [*siyu_executable(), "worker", "--batch"],
        env=user_env(**{name: "many", "SIYU_DATA_DIR": str(tmp_path), "SIYU_AUTOGEN_KEYS": "1"}),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr + done.stdout
    assert f"{name} must be a whole number" in " ".join((done.stderr + done.stdout).split())
