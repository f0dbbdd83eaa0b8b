"""Orders identical to what is stored are set apart before the schema checks
(``unchanged``) and compared again when written; profiles are compared once, when
written: a re-run skips the work, never the truth."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_django.fixtures import Settings

from siyu.customers.models import Customer, Order, OrderLine
from siyu.demo.brand import Brand
from siyu.imports.tests.test_corrections import BASE, counts, write
from siyu.imports.unchanged import _same_lines
from siyu.imports.whole_file import check_path, import_path
from siyu.imports.writer import Options, column_of

pytestmark = pytest.mark.django_db


def test_a_rerun_sets_identical_orders_apart_before_checking_them(
    brand: Brand, tmp_path: Path
) -> None:
    path = write(tmp_path, BASE)
    first = check_path("orders", path, lambda n: None, keep=True)
    assert first.spill is not None
    assert [len(c.same) for c in first.spill] == [0]  # nothing stored yet
    import_path("orders", path, Options(), lambda n: None)
    again = check_path("orders", path, lambda n: None, keep=True)
    assert again.spill is not None
    [chunk] = list(again.spill)
    assert (len(chunk.same), len(chunk.valid)) == (2, 0)


def test_an_order_changed_after_the_check_pass_is_compared_again(
    brand: Brand, tmp_path: Path
) -> None:
    path = write(tmp_path, BASE)
    import_path("orders", path, Options(), lambda n: None)
    checked = check_path("orders", path, lambda n: None, keep=True)
    # Someone corrects TB1 between the check pass and the write pass.
    Order.objects.filter(order_no="TB1").update(paid_fen=4000)
    tally = import_path("orders", path, Options(), lambda n: None, checked=checked)
    assert counts(tally) == (0, 1, 0, 1)  # JD1 unchanged, TB1 a conflict
    [error] = tally.errors
    assert (error.row, error.column) == (2, "order_no")
    assert Order.objects.get(order_no="TB1").paid_fen == 4000


def test_a_changed_order_with_the_same_number_is_not_set_apart(
    brand: Brand, tmp_path: Path
) -> None:
    import_path("orders", write(tmp_path, BASE), Options(), lambda n: None)
    other_amount = [BASE[0].replace(",68,58,", ",68,57,"), *BASE[1:]]
    checked = check_path("orders", write(tmp_path, other_amount), lambda n: None, keep=True)
    assert checked.spill is not None
    [chunk] = list(checked.spill)
    assert [item.raw["order_no"] for item in chunk.same] == ["JD1"]


def test_an_order_changed_in_its_lines_only_is_compared_with_them_when_written(
    brand: Brand, tmp_path: Path
) -> None:
    """The check pass takes an order's lines on its digest: rows of other lines have
    another digest, so the order is checked, and the write compares the lines and
    reports the conflict, as for any other change."""
    import_path("orders", write(tmp_path, BASE), Options(), lambda n: None)
    other_line = [BASE[0].replace("BEAN,云南咖啡豆", "BEAN2,云南咖啡豆"), *BASE[1:]]
    path = write(tmp_path, other_line)
    checked = check_path("orders", path, lambda n: None, keep=True)
    assert checked.spill is not None
    assert not checked.rejected_rows
    [chunk] = list(checked.spill)
    assert sorted(item.raw["order_no"] for item in chunk.same) == ["JD1"]
    checked = check_path("orders", path, lambda n: None, keep=True)
    tally = import_path("orders", path, Options(), lambda n: None, checked=checked)
    assert counts(tally) == (0, 1, 0, 1)
    [error] = tally.errors
    assert (error.row, error.column) == (2, "order_no")
    assert column_of("lines") in error.message
    corrected = import_path("orders", path, Options(update=True), lambda n: None)
    assert counts(corrected) == (0, 1, 1, 0)
    assert OrderLine.objects.filter(sku="BEAN2").count() == 1


def test_an_order_with_an_invalid_line_is_checked_even_if_the_rest_is_stored(
    brand: Brand, tmp_path: Path
) -> None:
    import_path("orders", write(tmp_path, BASE), Options(), lambda n: None)
    bad_line = [BASE[0].replace(",1,68,58,", ",0,68,58,"), *BASE[1:]]  # quantity 0
    checked = check_path("orders", write(tmp_path, bad_line), lambda n: None, keep=True)
    assert checked.rejected_rows == 1
    [error] = checked.errors
    assert (error.row, error.column) == (2, "quantity")


def test_a_profile_named_twice_in_a_chunk_takes_its_rows_in_file_order(
    brand: Brand, tmp_path: Path, settings: Settings
) -> None:
    settings.SIYU_IMPORT_CHUNK_ROWS = 100
    header = "phone,display_name"
    import_path(
        "customers", write(tmp_path, ["13911112222,小雨"], header), Options(), lambda n: None
    )
    # The second row is what is stored, the first is not: the last row wins.
    path = write(tmp_path, ["13911112222,阿雨", "13911112222,小雨"], header)
    checked = check_path("customers", path, lambda n: None, keep=True)
    tally = import_path("customers", path, Options(), lambda n: None, checked=checked)
    assert counts(tally) == (0, 0, 2, 0)
    assert Customer.objects.get().display_name == "小雨"


def test_identical_profiles_are_unchanged_and_a_new_field_is_an_update(
    brand: Brand, tmp_path: Path
) -> None:
    header = "phone,display_name,gender"
    rows = ["13911112222,小雨,女", "13633334444,阿明,男"]
    import_path("customers", write(tmp_path, rows, header), Options(), lambda n: None)
    again = write(tmp_path, [rows[0], "13633334444,阿明,女"], header)
    checked = check_path("customers", again, lambda n: None, keep=True)
    assert checked.spill is not None
    # Customer rows are all checked (none set apart): the write compares each once.
    assert [(len(c.same), len(c.valid)) for c in checked.spill] == [(0, 2)]
    checked = check_path("customers", again, lambda n: None, keep=True)
    tally = import_path("customers", again, Options(), lambda n: None, checked=checked)
    assert counts(tally) == (0, 1, 1, 0)
    assert Customer.objects.get(display_name="阿明").gender == "female"


def test_a_profile_changed_after_the_check_pass_is_updated_and_the_others_unchanged(
    brand: Brand, tmp_path: Path
) -> None:
    header = "phone,display_name"
    path = write(tmp_path, ["13911112222,小雨", "13633334444,阿明"], header)
    import_path("customers", path, Options(), lambda n: None)
    checked = check_path("customers", path, lambda n: None, keep=True)
    # Someone renames 小雨 between the check pass and the write pass.
    Customer.objects.filter(display_name="小雨").update(display_name="Rain")
    tally = import_path("customers", path, Options(), lambda n: None, checked=checked)
    assert counts(tally) == (0, 1, 1, 0)
    assert sorted(Customer.objects.values_list("display_name", flat=True)) == ["小雨", "阿明"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["A", "B"]), st.integers(1, 3)), max_size=5),
    st.lists(st.tuples(st.sampled_from(["A", "B"]), st.integers(1, 3)), max_size=5),
    st.randoms(),
)
def test_lines_are_the_same_in_any_order_and_only_then(
    given_lines: list[tuple[str, int]], other: list[tuple[str, int]], rng: random.Random
) -> None:
    shuffled = list(given_lines)
    rng.shuffle(shuffled)
    assert _same_lines(given_lines, shuffled)
    assert _same_lines(given_lines, other) == (sorted(given_lines) == sorted(other))
