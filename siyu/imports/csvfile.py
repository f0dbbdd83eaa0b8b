"""Reading an uploaded CSV: encoding, dialect and header checks.

Excel in mainland China saves CSV as GBK unless told otherwise, and as UTF-8 with a BOM
when it is; both must work without the user knowing what an encoding is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.utils.translation import gettext as _

from siyu.customers.identity_rules import CUSTOM_TYPE
from siyu.imports.columns import COLUMNS, REQUIRED_ALL, REQUIRED_ANY

# Magic numbers of files people upload by mistake instead of a CSV.
BINARY_SIGNATURES = {
    b"PK\x03\x04": "xlsx",  # also any zip
    b"\xd0\xcf\x11\xe0": "xls",
    b"%PDF": "pdf",
}


class CsvFileError(ValueError):
    """The file as a whole cannot be imported; the message is for the user."""


def decode_upload(data: bytes) -> str:
    check_binary(data)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text.lstrip("\ufeff")
    raise CsvFileError(_("The file's text encoding is not UTF-8 or GBK."))


def check_binary(data: bytes) -> None:
    for signature, kind in BINARY_SIGNATURES.items():
        if data.startswith(signature):
            if kind in {"xlsx", "xls"}:
                raise CsvFileError(
                    _(
                        "This is an Excel workbook, not a CSV file. In Excel choose "
                        "File › Save As › CSV UTF-8, then upload that file."
                    )
                )
            raise CsvFileError(_("This is not a CSV file."))
    if b"\x00" in data[:4096]:
        raise CsvFileError(_("This is not a CSV file (it contains binary data)."))


def read_rows(text: str) -> Iterator[list[str]]:
    return csv.reader(io.StringIO(text, newline=""), strict=True)


def normalize_header(cell: str) -> str:
    return cell.strip().strip("\ufeff").lower().replace(" ", "_")


def check_header(kind: str, text: str) -> list[str]:
    """The file's column names, or a CsvFileError saying what is wrong with them."""
    if not text.strip():
        raise CsvFileError(_("The file is empty."))
    try:
        first = next(read_rows(text), [])
    except csv.Error as exc:
        raise CsvFileError(_("The file is not valid CSV: %(error)s") % {"error": exc}) from exc
    return check_header_row(kind, first)


def check_header_row(kind: str, first: list[str]) -> list[str]:
    header = [normalize_header(c) for c in first]
    known = COLUMNS[kind]
    # Custom identity types (x_member_id …) are accepted as the API accepts them.
    unknown = [c for c in header if c and c not in known and not CUSTOM_TYPE.match(c)]
    if unknown:
        raise CsvFileError(
            _(
                "Unknown columns: %(unknown)s. Allowed columns: %(allowed)s, and custom "
                "identifier types named x_… (lower-case letters, digits, _)."
            )
            % {"unknown": ", ".join(unknown), "allowed": ", ".join(known)}
        )
    duplicated = sorted({c for c in header if c and header.count(c) > 1})
    if duplicated:
        raise CsvFileError(_("Columns appear twice: %(cols)s.") % {"cols": ", ".join(duplicated)})
    missing = [c for c in REQUIRED_ALL[kind] if c not in header]
    if missing:
        raise CsvFileError(_("Missing columns: %(cols)s.") % {"cols": ", ".join(missing)})
    if not any(c in REQUIRED_ANY[kind] or CUSTOM_TYPE.match(c) for c in header):
        raise CsvFileError(
            _("The file needs at least one identifier column: %(cols)s.")
            % {"cols": ", ".join(REQUIRED_ANY[kind])}
        )
    return header


def count_data_rows(text: str) -> int:
    rows = read_rows(text)
    next(rows, None)
    return sum(1 for row in rows if any(cell.strip() for cell in row))


def detect_encoding(sample: bytes, *, complete: bool) -> str:
    """The encoding of a file from its first bytes (as ``decode_upload`` decides), for
    reading big files as a stream instead of whole."""
    check_binary(sample)
    # A sample cut in the middle of a character: allow dropping up to 3 trailing bytes.
    cuts = [0] if complete else [0, 1, 2, 3]
    for encoding in ("utf-8-sig", "gb18030"):
        for cut in cuts:
            try:
                sample[: len(sample) - cut].decode(encoding)
            except UnicodeDecodeError:
                continue
            return encoding
    raise CsvFileError(_("The file's text encoding is not UTF-8 or GBK."))


def open_csv(path: str) -> Iterator[list[str]]:
    """Rows of a CSV file on disk, read as a stream (memory stays flat for any size)."""
    with open(path, "rb") as raw:
        sample = raw.read(65_536)
    encoding = detect_encoding(sample, complete=len(sample) < 65_536)
    with open(path, encoding=encoding, newline="") as text:
        try:
            for row in csv.reader(text, strict=True):
                if row and row[0].startswith("\ufeff"):
                    row[0] = row[0].lstrip("\ufeff")
                yield row
        except UnicodeDecodeError as exc:
            raise CsvFileError(_("The file's text encoding is not UTF-8 or GBK.")) from exc
        except csv.Error as exc:
            raise CsvFileError(_("The file is not valid CSV: %(error)s") % {"error": exc}) from exc
