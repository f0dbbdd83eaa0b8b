"""The one CSV writer: formula-looking text cells are neutralised, numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pyarrow as pa  # type: ignore[import-untyped]  # ships no type information
import pytest

from siyu.core.csv_export import arrow_csv, csv_response, csv_text, safe_cell

ATTACK = "+1+cmd|' /C calc'!A0"


@pytest.mark.parametrize(
    "cell",
    [ATTACK, '=HYPERLINK("http://x")', "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1", "-", "+86 139"],
)
def test_text_that_a_spreadsheet_would_run_gets_an_apostrophe(cell: str) -> None:
    assert safe_cell(cell) == "'" + cell


@pytest.mark.parametrize(
    "cell", ["-12.50", "+3", "-3.5%", "-1,234.5", "上海", "a=b", "13912345678"]
)
def test_plain_numbers_and_ordinary_text_are_left_alone(cell: str) -> None:
    assert safe_cell(cell) == cell


@pytest.mark.parametrize("cell", [-5, 0, -0.25, 10**20])
def test_numbers_are_written_as_numbers(cell: float) -> None:
    assert safe_cell(cell) == cell


def test_none_is_an_empty_cell_and_headers_are_escaped_too() -> None:
    rows = list(csv.reader(io.StringIO(csv_text(["=h"], [[None], [ATTACK]]))))
    assert rows == [["'=h"], [""], ["'" + ATTACK]]


def test_a_download_starts_with_a_bom_and_names_the_file() -> None:
    response = csv_response("x.csv", ["region"], [[ATTACK]])
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeffregion")
    assert "'+1+cmd" in body
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'


def test_arrow_tables_are_written_as_the_csv_writer_writes_them() -> None:
    header = ["id", "name", "fen"]
    rows = [[1, "important_value", -300], [20, "上海", 0]]
    table = pa.table({"id": [1, 20], "name": ["important_value", "上海"], "fen": [-300, 0]})
    assert arrow_csv(header, table) == csv_text(header, rows).encode()


@pytest.mark.parametrize("cell", [ATTACK, "-1", 'say "hi"', "a,b", "two\nlines"])
def test_arrow_tables_that_need_a_guard_or_quotes_go_to_the_csv_writer(cell: str) -> None:
    assert arrow_csv(["name"], pa.table({"name": ["ok", cell]})) is None
