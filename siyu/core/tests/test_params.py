"""The one parameter parser: bounds, garbage, and a message naming the parameter."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from siyu.core.params import (
    MAX_ID,
    BadParameter,
    parse_after,
    parse_date,
    parse_id,
    parse_int,
    parse_text,
    parse_yuan,
)

GARBAGE = ["abc", "1e5", "0x10", "1.0", "١٢", "1 2", "--1", "+", "9" * 41, "\x00"]


@pytest.mark.parametrize("raw", ["1", " 42 ", "+7", str(MAX_ID)])
def test_ids_within_bigautofield_range_parse(raw: str) -> None:
    assert parse_id({"tag": raw}, "tag") == int(raw)


@pytest.mark.parametrize("raw", ["0", "-1", str(MAX_ID + 1), "99999999999999999999", *GARBAGE])
def test_ids_out_of_range_or_garbage_are_refused_naming_the_parameter(raw: str) -> None:
    with pytest.raises(BadParameter) as caught:
        parse_id({"owner": raw}, "owner")
    assert caught.value.name == "owner"
    assert "owner" in str(caught.value)


@pytest.mark.parametrize("params", [{}, {"tag": ""}, {"tag": "   "}, {"tag": None}])
def test_an_absent_or_empty_parameter_is_none(params: dict[str, str | None]) -> None:
    assert parse_id(params, "tag") is None


def test_a_cursor_may_be_zero_but_not_past_the_range() -> None:
    assert parse_after({"after": "0"}) == 0
    with pytest.raises(BadParameter):
        parse_after({"after": "9223372036854775808"})


def test_whole_numbers_have_their_own_bounds_and_default() -> None:
    assert parse_int({}, "limit", minimum=1, maximum=500, default=50) == 50
    assert parse_int({"limit": "500"}, "limit", minimum=1, maximum=500) == 500
    with translation.override("en"), pytest.raises(BadParameter, match="between 1 and 500"):
        parse_int({"limit": "501"}, "limit", minimum=1, maximum=500)


@pytest.mark.parametrize("raw", ["2026-02-30", "2026-13-01", "9999-12-31", "0001-01-01", "today"])
def test_dates_must_be_real_and_within_the_products_range(raw: str) -> None:
    with pytest.raises(BadParameter):
        parse_date({"from": raw}, "from")


def test_dates_parse() -> None:
    assert parse_date({"to": "2026-03-01"}, "to") == date(2026, 3, 1)


@pytest.mark.parametrize(
    ("raw", "fen"), [("12", 1200), ("12.5", 1250), ("12.05", 1205), ("1,234.50", 123450)]
)
def test_money_is_typed_in_yuan_and_returned_in_fen(raw: str, fen: int) -> None:
    assert parse_yuan({"price": raw}, "price") == fen


@pytest.mark.parametrize("raw", ["-1", "1.234", "1e3", "¥12", "99999999999", "NaN"])
def test_bad_money_is_refused(raw: str) -> None:
    with pytest.raises(BadParameter):
        parse_yuan({"price": raw}, "price")


def test_text_is_bounded_and_free_of_nul() -> None:
    assert parse_text({"q": " 张敏 "}, "q", max_length=10) == "张敏"
    with pytest.raises(BadParameter):
        parse_text({"q": "x" * 11}, "q", max_length=10)
    with pytest.raises(BadParameter):
        parse_text({"q": "a\x00"}, "q", max_length=10)


def test_the_message_is_in_the_users_language() -> None:
    with translation.override("zh-hans"), pytest.raises(BadParameter) as caught:
        parse_id({"tag": "x"}, "tag")
    assert str(caught.value) == "tag 必须是整数"
