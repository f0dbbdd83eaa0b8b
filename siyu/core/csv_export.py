"""The one CSV writer every export uses (segment members, layering, analytics tables,
import reports, samples).

Exports are opened in Excel or WPS, which run a cell starting with ``=``, ``+``, ``-`` or
``@`` as a formula (and strip a leading tab or CR first): a customer whose region is
``+1+cmd|' /C calc'!A0`` would run a command on the operator's machine. Following OWASP's
rule, such a text cell is written with a leading apostrophe, which the spreadsheet shows as
plain text. Numbers (ints, floats, and text that is only a number such as ``-12.50`` or
``-3.5%``) stay as they are: they cannot be formulas, and analysts need them numeric.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol

from django.http import HttpResponse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?[0-9][0-9,]*(\.[0-9]+)?%?$")
BOM = "\ufeff"  # Excel opens UTF-8 Chinese correctly only with it


class _Writable(Protocol):
    def write(self, s: str, /) -> Any: ...


def safe_cell(value: object) -> str | int | float:
    """A cell as it may be written: None is empty, formula-like text gets an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith(FORMULA_START) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def write_csv(out: _Writable, header: Sequence[object], rows: Iterable[Sequence[object]]) -> int:
    """Write the header and rows with every cell made safe; returns the number of rows."""
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    count = 0
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
        count += 1
    return count


def csv_text(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    write_csv(out, header, rows)
    return out.getvalue()


def csv_response(
    filename: str, header: Sequence[object], rows: Iterable[Sequence[object]]
) -> HttpResponse:
    """A CSV download (UTF-8 with BOM) written through ``write_csv``."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write(BOM)
    write_csv(response, header, rows)
    return response


class _Line:
    """A file-like sink that hands back what the csv writer wrote, for streaming."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, s: str, /) -> None:
        self.text += s


def csv_stream(
    header: Sequence[object], rows: Iterable[Sequence[object]], *, chunk_rows: int = 500
) -> Iterator[str]:
    """The CSV of ``write_csv`` (BOM first) in pieces of ``chunk_rows`` rows, for a
    ``StreamingHttpResponse``: the first byte leaves before the last row is read."""
    sink = _Line()
    writer = csv.writer(sink)
    writer.writerow([safe_cell(h) for h in header])
    yield BOM + sink.text
    sink.text = ""
    for n, row in enumerate(rows, 1):
        writer.writerow([safe_cell(cell) for cell in row])
        if n % chunk_rows == 0:
            yield sink.text
            sink.text = ""
    if sink.text:
        yield sink.text


def arrow_csv(header: Sequence[str], table: Any) -> bytes | None:
    """A pyarrow table as UTF-8 of the text ``csv_text`` writes (header, CRLF lines), by
    Arrow's C++ writer: a million-row export in a fraction of a second instead of ten.
    None when a text cell would need the formula guard or quoting: the caller then writes
    through ``write_csv``."""
    import pyarrow as pa  # type: ignore[import-untyped]  # ships no type information
    import pyarrow.compute as pc  # type: ignore[import-untyped]
    import pyarrow.csv as pa_csv  # type: ignore[import-untyped]

    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            risky = pc.match_substring_regex(column, r'^[=+\-@\t\r]|[",\r\n]')
            if pc.any(risky).as_py():
                return None
    out = io.BytesIO()
    out.write(csv_text(header, []).encode())
    options = pa_csv.WriteOptions(include_header=False, quoting_style="none", eol="\r\n")
    pa_csv.write_csv(table, out, options)
    return out.getvalue()
