from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from siyu.imports.csvfile import CsvFileError, check_header, count_data_rows, decode_upload


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def test_utf8_with_and_without_bom_and_gbk_decode_alike() -> None:
    text = "phone,display_name\n13912345678,张敏\n"
    assert decode_upload(text.encode("utf-8")) == text
    assert decode_upload(b"\xef\xbb\xbf" + text.encode("utf-8")) == text
    assert decode_upload(text.encode("gbk")) == text


def test_excel_workbook_gets_a_save_as_csv_hint() -> None:
    with pytest.raises(CsvFileError, match="Excel"):
        decode_upload(b"PK\x03\x04rest-of-zip")


def test_binary_data_is_not_csv() -> None:
    with pytest.raises(CsvFileError):
        decode_upload(b"\x00\x01\x02garbage")


def test_header_names_are_normalised() -> None:
    assert check_header("customers", "Phone, Display Name\n") == ["phone", "display_name"]


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        ("customers", "", "empty"),
        ("customers", "  \n", "empty"),
        ("customers", "phone,nickname\n", "Unknown columns: nickname"),
        ("customers", "display_name,region\n", "identifier column"),
        ("customers", "phone,phone\n", "twice"),
        ("orders", "phone,order_no\n", "Missing columns: platform, paid_at, paid_amount"),
    ],
)
def test_bad_headers_say_what_is_wrong(kind: str, text: str, message: str) -> None:
    with pytest.raises(CsvFileError, match=message):
        check_header(kind, text)


def test_blank_lines_are_not_counted_as_rows() -> None:
    assert count_data_rows("phone\n1\n\n,\n2\n") == 2
