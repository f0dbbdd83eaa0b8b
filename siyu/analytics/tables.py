"""Dashboard tables: one shape for the HTML page and its CSV export, so every table a page
shows can be downloaded with the same numbers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.http import HttpResponse

from siyu.core.csv_export import csv_response as write_csv_response

Cell = str | int | float | None


@dataclass(frozen=True)
class Table:
    key: str  # the ?csv= name
    title: str
    headers: list[str]
    rows: Sequence[Sequence[Cell]] = field(default_factory=list)
    # Per-cell background intensity 0..1 for heatmaps (same shape as rows), optional.
    heat: Sequence[Sequence[float | None]] | None = None
    # Definitions and caveats shown under the table (already translated).
    notes: Sequence[str] = ()


def yuan(fen: float | int | None) -> str:
    """Fen shown as yuan with two decimals (the database keeps integer fen)."""
    return "" if fen is None else f"{fen / 100:,.2f}"


def pct(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.1f}%"


def csv_response(table: Table) -> HttpResponse:
    return write_csv_response(f"{table.key}.csv", table.headers, table.rows)
