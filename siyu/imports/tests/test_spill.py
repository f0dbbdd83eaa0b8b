"""The write pass reuses the check pass (``spill``): the file is parsed and checked once."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

from siyu.customers.models import Customer, Order
from siyu.demo.brand import Brand
from siyu.imports import spill
from siyu.imports.tests.test_corrections import BASE, write
from siyu.imports.whole_file import check_path, import_path
from siyu.imports.writer import Options

pytestmark = pytest.mark.django_db


def test_the_write_pass_writes_what_the_check_pass_checked(
    brand: Brand, tmp_path: Path, settings: Settings
) -> None:
    settings.SIYU_IMPORT_CHUNK_ROWS = 2  # several chunks kept and read back in order
    path = write(tmp_path, BASE)
    checked = check_path("orders", path, lambda n: None, keep=True)
    assert checked.spill is not None
    assert checked.spill.chunks == 2
    # The file changes after the check: what is written is what was checked, not re-read.
    write(tmp_path, ["13911112222,taobao,OTHER,2025-03-01 14:30,1,1,X,x,1,1,1,,,"])
    tally = import_path("orders", path, Options(), lambda n: None, checked=checked)
    assert (tally.created, tally.unchanged, tally.rows) == (2, 0, 3)
    assert sorted(Order.objects.values_list("order_no", flat=True)) == ["JD1", "TB1"]


def test_chunks_past_the_memory_budget_go_to_disk_and_come_back_in_order(
    brand: Brand, tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.SIYU_IMPORT_CHUNK_ROWS = 2
    # The first chunk (2 rows, 1 item) held, the second not.
    monkeypatch.setattr(spill, "IN_MEMORY_WEIGHT", 2 + spill.ITEM_WEIGHT)
    path = write(tmp_path, BASE)
    checked = check_path("orders", path, lambda n: None, keep=True)
    assert checked.spill is not None
    assert (checked.spill.chunks, checked.spill.on_disk) == (2, 1)
    tally = import_path("orders", path, Options(), lambda n: None, checked=checked)
    assert (tally.created, tally.unchanged, tally.rows) == (2, 0, 3)
    assert sorted(Order.objects.values_list("order_no", flat=True)) == ["JD1", "TB1"]


def test_a_file_with_problems_keeps_nothing(brand: Brand, tmp_path: Path) -> None:
    path = write(tmp_path, [*BASE, "13911112222,taobao,TB9,never,1,1,X,x,1,1,1,,,"])
    checked = check_path("orders", path, lambda n: None, keep=True)
    assert checked.rejected_rows == 1
    assert checked.spill is not None
    assert not list(checked.spill)


def test_customers_checked_once_are_written_with_their_fields(brand: Brand, tmp_path: Path) -> None:
    path = write(
        tmp_path, ["13911112222,小雨,女", "13633334444,阿明,男"], "phone,display_name,gender"
    )
    checked = check_path("customers", path, lambda n: None, keep=True)
    tally = import_path("customers", path, Options(), lambda n: None, checked=checked)
    assert tally.created == 2
    assert sorted(Customer.objects.values_list("display_name", "gender")) == [
        ("小雨", "female"),
        ("阿明", "male"),
    ]


def test_chunks_read_back_from_disk_write_what_chunks_held_in_memory_write(
    brand: Brand, tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Everything on disk (models packed, ``packing``) or everything in memory: the same
    counts and the same stored rows, first run and re-run."""
    settings.SIYU_IMPORT_CHUNK_ROWS = 2
    people = write(
        tmp_path,
        ["13911112222,小雨,女,new", "13633334444,阿明,男,active", "13911112222,小雨,女,vip"],
        "phone,display_name,gender,lifecycle_stage",
        name="c.csv",
    )
    orders = write(tmp_path, BASE, name="o.csv")

    def run() -> list[object]:
        found: list[object] = []
        for _ in range(2):
            for kind, path in (("customers", people), ("orders", orders)):
                checked = check_path(kind, path, lambda n: None, keep=True)
                tally = import_path(kind, path, Options(), lambda n: None, checked=checked)
                found.append((tally.created, tally.unchanged, tally.updated, tally.rows))
        found.append(
            sorted(Customer.objects.values_list("display_name", "gender", "lifecycle_stage"))
        )
        found.append(sorted(Order.objects.values_list("order_no", "paid_fen", "refunded_fen")))
        return found

    monkeypatch.setattr(spill, "IN_MEMORY_WEIGHT", 0)
    on_disk = run()
    Order.objects.all().delete()
    Customer.objects.all().delete()
    monkeypatch.setattr(spill, "IN_MEMORY_WEIGHT", 10**6)
    assert run() == on_disk
