"""`siyu import` as a user runs it (a subprocess on the test database)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from siyu.customers.models import Order
from siyu.demo.brand import Brand
from siyu.imports.tests.test_corrections import BASE, write
from siyu.worker.tests.processes import database_url


def siyu_import(tmp_path: Path, path: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SIYU_DATA_DIR": str(tmp_path),
        "SIYU_PII_KEY": settings.PII_KEY,
    }
    command = [sys.executable, "-m", "siyu.cli", "import", "orders", str(path), *flags]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)  # noqa: S603


@pytest.mark.django_db(transaction=True)
def test_the_command_counts_created_unchanged_updated_and_rejected(
    brand: Brand, tmp_path: Path
) -> None:
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(":memory"):
        pytest.skip("a subprocess needs a database file to share")
    path = write(tmp_path, BASE)
    first = siyu_import(tmp_path, path)
    assert first.returncode == 0, first.stderr
    assert "新建 2，未变 0，更新 0；拒绝 0 行" in first.stdout
    again = siyu_import(tmp_path, path)
    assert "新建 0，未变 2，更新 0；拒绝 0 行" in again.stdout

    changed = write(
        tmp_path, [BASE[0].replace(",68,58,BEAN", ",68,48,BEAN"), BASE[2]], name="c.csv"
    )
    conflict = siyu_import(tmp_path, changed)
    assert conflict.returncode == 1
    assert "新建 0，未变 1，更新 0；拒绝 1 行" in conflict.stdout
    assert "TB1" in conflict.stderr
    assert Order.objects.get(order_no="TB1").paid_fen == 5800

    update = siyu_import(tmp_path, changed, "--update")
    assert update.returncode == 0, update.stderr
    assert "新建 0，未变 1，更新 1；拒绝 0 行" in update.stdout
    assert Order.objects.get(order_no="TB1").paid_fen == 4800
