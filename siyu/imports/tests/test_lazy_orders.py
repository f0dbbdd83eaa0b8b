"""Orders read lazily (``lazy_orders``): expanded, they are exactly what the eager parser
gives; set apart unchanged, they are only while their digest and the order still hold."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given, settings

from siyu.customers.models import Order, OrderLine
from siyu.demo.brand import Brand
from siyu.imports import lazy_orders, order_cells, rows
from siyu.imports.tests.test_corrections import BASE, HEADER, counts, load, write
from siyu.imports.tests.test_order_cells import HEADER as CELL_HEADER
from siyu.imports.tests.test_order_cells import files
from siyu.imports.whole_file import check_path, import_path
from siyu.imports.writer import Options


def plain(entries: list[rows.Parsed]) -> tuple[list[rows.ParsedItem], list[rows.RowError]]:
    items, errors = rows.split(entries)
    for item in items:
        item.digest, item.source = "", None
    return items, sorted(errors, key=lambda e: (e.row, e.column, e.message))


def lazily(header: list[str], cells: list[list[str]], *, spilled: bool) -> list[rows.Parsed]:
    entries: list[rows.Parsed] = []
    for entry in lazy_orders.iter_lazy_orders(header, [list(r) for r in cells]):
        if isinstance(entry, rows.ParsedItem):
            if spilled:  # as a lazy item set apart travels to the write pass
                lazy_orders.compact(entry)
            entries.extend(lazy_orders.expand(entry))
        else:
            entries.append(entry)
    return entries


SEPARATOR_ROW = ["13912345678", "x", "A9", "2025-03-01 14:30", "5", "S\x1fT", "2", "1", "", "", "", ""]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(files())
@example((CELL_HEADER, [SEPARATOR_ROW, SEPARATOR_ROW]))
@example((["phone", "order_no", "sku", "order_no"], [["1", "A1", "S", "A2"], ["1", "A1", "S", "A2"]]))  # fmt: skip
def test_expanded_lazy_orders_are_what_the_eager_parser_gives(
    file: tuple[list[str], list[list[str]]],
) -> None:
    header, cells = file
    eager = plain(list(order_cells.iter_orders(header, [list(r) for r in cells])))
    assert plain(lazily(header, cells, spilled=False)) == eager
    assert plain(lazily(header, cells, spilled=True)) == eager


def test_a_cell_holding_a_separator_is_parsed_as_it_comes() -> None:
    [entry] = lazy_orders.iter_lazy_orders(CELL_HEADER, [list(SEPARATOR_ROW)])
    assert isinstance(entry, rows.ParsedItem)
    assert entry.source is None
    assert entry.raw["lines"][0]["sku"] == "S\x1fT"


@pytest.mark.django_db
def test_imported_orders_carry_the_digest_of_their_rows(brand: Brand, tmp_path: Path) -> None:
    load(tmp_path, BASE)
    digests = dict(Order.objects.values_list("order_no", "import_digest"))
    assert set(digests) == {"TB1", "JD1"}
    assert all(len(d or "") == 32 for d in digests.values())
    assert digests["TB1"] != digests["JD1"]
    # The same content in another column order has other rows: compared in full, unchanged.
    columns = HEADER.split(",")
    moved = [columns[1], columns[0], *columns[2:]]
    swapped = [",".join([r.split(",")[1], r.split(",")[0], *r.split(",")[2:]]) for r in BASE]
    path = write(tmp_path, swapped, ",".join(moved), name="swapped.csv")
    checked = check_path("orders", path, lambda n: None, keep=True)
    assert checked.spill is not None
    [chunk] = list(checked.spill)
    assert (len(chunk.same), len(chunk.valid)) == (0, 2)  # not taken on the digest
    tally = import_path("orders", path, Options(), lambda n: None)
    assert counts(tally) == (0, 2, 0, 0)


@pytest.mark.django_db
def test_a_rerun_takes_lines_on_the_digest_only_while_the_order_is_as_imported(
    brand: Brand, tmp_path: Path
) -> None:
    load(tmp_path, BASE)
    path = write(tmp_path, BASE, name="again.csv")
    checked = check_path("orders", path, lambda n: None, keep=True)
    assert checked.spill is not None
    [chunk] = list(checked.spill)
    assert sorted(i.raw["order_no"] for i in chunk.same if i.source is not None) == ["JD1", "TB1"]
    # TB1's line corrected through update mode: the verbs saved the order, so its digest
    # no longer vouches for its lines, and the original file is a conflict again.
    corrected = [BASE[0].replace("BEAN,云南咖啡豆", "BEAN2,云南咖啡豆"), *BASE[1:]]
    assert counts(load(tmp_path, corrected, update=True)) == (0, 1, 1, 0)
    tally = import_path("orders", path, Options(), lambda n: None)
    assert counts(tally) == (0, 1, 0, 1)
    assert OrderLine.objects.filter(order__order_no="TB1").get().sku == "BEAN2"


@pytest.mark.django_db
def test_lines_changed_behind_the_digest_are_seen_once_the_order_is_saved(
    brand: Brand, tmp_path: Path
) -> None:
    """The rule the digest rests on: whatever changes an order's lines saves the order."""
    load(tmp_path, BASE)
    order = Order.objects.get(order_no="JD1")
    OrderLine.objects.filter(order=order).update(quantity=3, paid_fen=4500)
    order.save()
    tally = import_path("orders", write(tmp_path, BASE, name="b.csv"), Options(), lambda n: None)
    assert counts(tally) == (0, 1, 0, 1)  # TB1 unchanged, JD1 a conflict
