"""The plain-profile check accepts only rows pydantic and the identifier rules accept, as
the same model; a whole import gives the same counts, messages and rows either way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from pytest_django.fixtures import Settings

from siyu.customers.models import Customer, Identity
from siyu.demo.brand import Brand
from siyu.imports import checks
from siyu.imports.checks import check_item
from siyu.imports.customer_rows import customer_item
from siyu.imports.engine import Tally
from siyu.imports.plain_profiles import plain_profile
from siyu.imports.rows import CellError
from siyu.imports.tests.test_corrections import write
from siyu.imports.whole_file import check_path, import_path
from siyu.imports.writer import Options

EDGY_TEXT = st.one_of(
    st.text(max_size=12),
    st.text(alphabet=st.sampled_from(["a", "商", " ", "\x00", "\ud800", "\u3000", "\x1c"])),
    st.sampled_from(["", " a", "a ", "x" * 100, "x" * 101, "y" * 150, "y" * 151, "z" * 501]),
)
PHONES = st.sampled_from(
    ["13911112222", "13633334444", "139 1111 2222", "+8613911112222", "13800138000", "1391111",
     "11111111111", "0", "null", "1" * 33]
)  # fmt: skip
BIRTHDAYS = [
    "1995-04-12", "1995/04/12", "2025-02-30", "0000-01-01", "0001-01-01", "95-4-12",
    "1995-04-12T00:00", "1234567890", "9999-12-31", "",
]  # fmt: skip
CELLS = {
    "phone": st.one_of(PHONES, EDGY_TEXT),
    "email": st.sampled_from(["a@b.cn", "A@B.CN", "not-an-email", "x" * 250 + "@b.cn", ""]),
    "taobao_buyer_id": st.one_of(st.sampled_from(["tb1", "tb2", "guest", "-1", ""]), EDGY_TEXT),
    "x_member_no": st.one_of(st.sampled_from(["m1", "m2"]), EDGY_TEXT),
    "display_name": EDGY_TEXT,
    "real_name": EDGY_TEXT,
    "address": EDGY_TEXT,
    "region": EDGY_TEXT,
    "occupation": EDGY_TEXT,
    "gender": st.sampled_from(["女", "男", "未知", "F", "m", "female", "other", ""]),
    "lifecycle_stage": st.sampled_from(["new", "NEW", "active", "won_back", "vip", ""]),
    "spending_power": st.sampled_from(["low", "High", "premium", "rich", ""]),
    "birthday": st.sampled_from(BIRTHDAYS),
    "interests": st.one_of(
        st.sampled_from(["手冲|拿铁", "a、b;c；d", "||", "x" * 51, "|".join("i" * 51)]), EDGY_TEXT
    ),
    "store": st.sampled_from(["上海静安店", "nowhere", ""]),
    "owner": st.sampled_from(["chen.jing", "nobody", ""]),
    "first_seen_at": st.sampled_from(["2020-01-02 03:04", ""]),
}
ROW = st.fixed_dictionaries({}, optional=CELLS)


def shape(value: Any) -> Any:
    """A model with the type of every value and the fields it was given: equal models
    with an enum member on one side and its text on the other must not pass."""
    if isinstance(value, BaseModel):
        fields = {k: shape(v) for k, v in value.__dict__.items()}
        return type(value).__name__, sorted(value.model_fields_set), fields
    if isinstance(value, list):
        return [shape(v) for v in value]
    return type(value).__name__, value


def full_check(raw: dict[str, Any]) -> Any:
    checks.PLAIN_PATH = False
    try:
        item = customer_item(2, {k: v.strip() for k, v in raw.items()})
        return check_item("customers", item)
    finally:
        checks.PLAIN_PATH = True


@settings(max_examples=600, deadline=None)
@given(ROW)
@example({"phone": "13911112222", "gender": "女", "lifecycle_stage": "new"})
@example({"taobao_buyer_id": "tb1", "birthday": "2025-02-30"})
@example({"phone": "13800138000", "taobao_buyer_id": "tb1"})
@example({"phone": "13911112222", "display_name": "x\x1c"})
def test_a_plain_profile_is_exactly_what_pydantic_and_the_rules_accept(
    row: dict[str, str],
) -> None:
    try:
        item = customer_item(2, {k: v.strip() for k, v in row.items()})
    except CellError:
        return
    fast = plain_profile(item.raw)
    if fast is not None:
        slow = full_check(row)
        assert isinstance(slow, BaseModel), slow
        assert shape(fast) == shape(slow)


def test_the_rows_the_benchmark_writes_are_plain() -> None:
    raw = {"phone": "13911112222", "taobao_buyer_id": "tb1", "display_name": "客户1",
           "gender": "女", "region": "上海", "lifecycle_stage": "new", "birthday": "1995-04-12",
           "interests": "手冲|拿铁"}  # fmt: skip
    item = customer_item(2, raw)
    assert plain_profile(item.raw) is not None
    for bad in ({"gender": "other"}, {"display_name": "x" * 101}, {"phone": "1391111"}):
        assert plain_profile(customer_item(2, {**raw, **bad}).raw) is None


def outcome(tally: Tally) -> Any:
    return (
        (tally.created, tally.unchanged, tally.updated, tally.rejected_rows),
        sorted((e.row, e.column, e.message) for e in tally.errors),
    )


def stored() -> Any:
    return (
        sorted(
            Customer.objects.values_list(
                "display_name", "real_name", "gender", "birthday", "region", "interests",
                "lifecycle_stage", "spending_power", "phone_last4", "org_unit__name",
                "primary_owner__user__username",
            )
        ),
        sorted(Identity.objects.values_list("type", "value", "customer__display_name")),
    )  # fmt: skip


def run(path: Path, plain: bool) -> Any:
    """Check, then write when clean, as ``siyu import`` does; twice (a re-run)."""
    checks.PLAIN_PATH = plain
    results = []
    try:
        for _ in range(2):
            checked = check_path("customers", path, lambda n: None, keep=True)
            written = None
            if not checked.rejected_rows:
                written = import_path("customers", path, Options(), lambda n: None, checked=checked)
            results.append((outcome(checked), written and outcome(written), stored()))
    finally:
        checks.PLAIN_PATH = True
    return results


HEADER = list(CELLS)


@pytest.mark.django_db
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(ROW, min_size=1, max_size=12), st.booleans())
def test_an_import_gives_the_same_counts_messages_and_rows_with_or_without_the_plain_path(
    brand: Brand, tmp_path: Path, settings: Settings, rows: list[dict[str, str]], clean: bool
) -> None:
    settings.SIYU_IMPORT_CHUNK_ROWS = 4
    if clean:  # mostly valid rows, so the write pass runs too
        rows = [{k: v for k, v in r.items() if k in {"display_name", "gender"}} for r in rows]
        rows = [{**r, "phone": f"1391111{n:04d}"} for n, r in enumerate(rows)]
    cells = [v for r in rows for v in r.values()]
    if any('"' in v or "\x00" in v or "\ud800" in v for v in cells):
        return  # quotes, NUL and lone surrogates are the CSV reader's business
    lines = [",".join(f'"{r.get(c, "")}"' for c in HEADER) for r in rows]
    path = write(tmp_path, lines, ",".join(HEADER))
    results = []
    for plain in (False, True):
        try:
            with transaction.atomic():
                results.append(run(path, plain))
                raise _Undo
        except _Undo:
            pass
    assert results[0] == results[1]


class _Undo(Exception):
    pass
