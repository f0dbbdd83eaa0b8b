"""Re-imports, corrections, duplicates and the shape of rows (issue 11 §3)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.utils import translation

from siyu.core.models import AuditLog
from siyu.customers.models import Customer, Identity, Order, OrderLine, Refund
from siyu.demo.brand import Brand
from siyu.imports.engine import Tally
from siyu.imports.whole_file import check_path, import_path, summary
from siyu.imports.writer import Options

pytestmark = pytest.mark.django_db

HEADER = (
    "phone,platform,order_no,paid_at,total_amount,paid_amount,sku,product_name,quantity,"
    "unit_price,line_amount,refund_no,refund_amount,refunded_at"
)
BASE = [
    "13911112222,taobao,TB1,2025-03-01 14:30,68,58,BEAN,云南咖啡豆,1,68,58,,,",
    "13911112222,taobao,TB1,2025-03-01 14:30,68,58,,,,,,RF1,10,2025-03-02 09:00",
    "13633334444,jd,JD1,2025-03-05 10:00,30,30,CUP,杯子,2,15,30,,,",
]


def write(tmp_path: Path, rows: list[str], header: str = HEADER, name: str = "f.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def load(tmp_path: Path, rows: list[str], *, update: bool = False, kind: str = "orders") -> Tally:
    path = write(tmp_path, rows, HEADER if kind == "orders" else rows.pop(0))
    return import_path(kind, path, Options(update=update), lambda n: None)


def counts(t: Tally) -> tuple[int, int, int, int]:
    return t.created, t.unchanged, t.updated, t.rejected_rows


def test_an_identical_rerun_counts_every_order_unchanged(brand: Brand, tmp_path: Path) -> None:
    assert counts(load(tmp_path, BASE)) == (2, 0, 0, 0)
    again = load(tmp_path, BASE)
    assert counts(again) == (0, 2, 0, 0)
    assert "0 created, 2 unchanged" in summary("orders", again) or "新建 0，未变 2" in summary(
        "orders", again
    )
    assert (Order.objects.count(), OrderLine.objects.count(), Refund.objects.count()) == (2, 2, 1)


def test_a_changed_order_is_a_conflict_unless_update_mode_corrects_it(
    brand: Brand, tmp_path: Path
) -> None:
    load(tmp_path, BASE)
    corrected = [BASE[0].replace(",68,58,BEAN", ",68,48,BEAN"), *BASE[1:]]
    corrected[1] = corrected[1].replace(",68,58,,", ",68,48,,")
    conflict = load(tmp_path, corrected)
    assert counts(conflict) == (0, 1, 0, 1)
    [error] = conflict.errors
    assert (error.row, error.column) == (2, "order_no")
    assert "TB1" in error.message
    assert "paid_amount" in error.message
    assert Order.objects.get(order_no="TB1").paid_fen == 5800
    assert not AuditLog.objects.filter(action="order.corrected").exists()

    updated = load(tmp_path, corrected, update=True)
    assert counts(updated) == (0, 1, 1, 0)
    order = Order.objects.get(order_no="TB1")
    assert (order.paid_fen, order.refunded_fen) == (4800, 1000)
    audit = AuditLog.objects.get(action="order.corrected")
    assert audit.target_id == str(order.pk)
    assert audit.detail["before"]["paid_fen"] == 5800
    assert audit.detail["after"]["paid_fen"] == 4800
    # The correction is now what is stored: the same file again is unchanged.
    assert counts(load(tmp_path, corrected)) == (0, 2, 0, 0)


def test_a_new_refund_number_is_added_and_a_changed_refund_is_a_conflict(
    brand: Brand, tmp_path: Path
) -> None:
    load(tmp_path, BASE)
    later = [
        "13911112222,taobao,TB1,2025-03-01 14:30,68,58,,,,,,RF2,5,2025-03-04 09:00",
    ]
    assert counts(load(tmp_path, later)) == (0, 0, 1, 0)
    assert Order.objects.get(order_no="TB1").refunded_fen == 1500
    changed = ["13911112222,taobao,TB1,2025-03-01 14:30,68,58,,,,,,RF1,12,2025-03-02 09:00"]
    result = load(tmp_path, changed)
    assert counts(result) == (0, 0, 0, 1)
    assert "RF1" in result.errors[0].message
    assert Refund.objects.get(refund_no="RF1").amount_fen == 1000


def test_a_refund_number_twice_in_a_file_is_one_refund_or_a_reported_contradiction(
    brand: Brand, tmp_path: Path
) -> None:
    repeated = [
        "13911112222,taobao,TB1,2025-03-01 14:30,68,58,BEAN,豆,1,34,29,RF1,10,2025-03-02 09:00",
        "13911112222,taobao,TB1,2025-03-01 14:30,68,58,CUP,杯,1,34,29,RF1,10,2025-03-02 09:00",
    ]
    assert counts(load(tmp_path, repeated)) == (1, 0, 0, 0)
    assert Refund.objects.count() == 1
    contradicting = [
        "13911112222,taobao,TB2,2025-03-01 14:30,68,58,BEAN,豆,1,34,29,RF1,10,2025-03-02 09:00",
        "13911112222,taobao,TB2,2025-03-01 14:30,68,58,CUP,杯,1,34,29,RF1,20,2025-03-02 09:00",
    ]
    result = check_path("orders", write(tmp_path, contradicting), lambda n: None)
    [error] = result.errors
    assert (error.row, error.column) == (3, "refund_no")
    assert "RF1" in error.message


def test_rows_with_extra_or_missing_cells_are_rejected_saying_so(
    brand: Brand, tmp_path: Path
) -> None:
    rows = [BASE[2] + ",surplus", "13633334444,jd,JD2,2025-03-05 10:00,30"]
    with translation.override("en"):
        result = check_path("orders", write(tmp_path, rows), lambda n: None)
    extra, short = sorted(result.errors, key=lambda e: e.row)
    assert extra.row == 2
    assert "15 cells but the header has 14 columns" in extra.message
    assert short.row == 3
    assert short.message.startswith("the row is short")
    assert short.column == "paid_amount"


def test_unit_prices_with_three_decimals_are_refused_stating_the_rule(
    brand: Brand, tmp_path: Path
) -> None:
    rows = ["13911112222,pos,P1,2025-03-01 14:30,1.65,1.65,NAIL,钉子,10,0.165,1.65,,,"]
    with translation.override("en"):
        result = check_path("orders", write(tmp_path, rows), lambda n: None)
    [error] = result.errors
    assert error.column == "unit_price"
    assert "0.165 has more than two decimals" in error.message
    assert "Round it to the fen" in error.message


def test_an_order_with_thousands_of_lines_imports(brand: Brand, tmp_path: Path) -> None:
    rows = [
        f"13911112222,other,B2B1,2025-03-01 14:30,2400,2400,SKU{n},零件{n},1,1,1,,,"
        for n in range(2400)
    ]
    assert counts(load(tmp_path, rows)) == (1, 0, 0, 0)
    assert OrderLine.objects.filter(order__order_no="B2B1").count() == 2400


def test_custom_identity_columns_are_accepted(brand: Brand, tmp_path: Path) -> None:
    rows = ["x_member_no,display_name", "M-001,阿明", "M-002,小红"]
    assert counts(load(tmp_path, rows, kind="customers")) == (2, 0, 0, 0)
    assert set(Identity.objects.values_list("type", flat=True)) == {"x_member_no"}
    rows = ["x_member_no,display_name", "M-001,阿明", "M-002,小红红"]
    assert counts(load(tmp_path, rows, kind="customers")) == (0, 1, 1, 0)
    assert Customer.objects.filter(display_name="小红红").exists()


def test_problems_are_reported_in_the_users_language_naming_what_is_allowed(
    brand: Brand, tmp_path: Path
) -> None:
    rows = ["phone,lifecycle_stage,owner", "13911112222,vip,nobody"]
    path = write(tmp_path, rows[1:], rows[0])
    with translation.override("zh-hans"):
        zh = check_path("customers", path, lambda n: None).errors
    with translation.override("en"):
        en = check_path("customers", path, lambda n: None).errors
    by_column = {e.column: e.message for e in zh}
    assert by_column["lifecycle_stage"].startswith("不是允许的值；允许：")
    assert "prospect" in by_column["lifecycle_stage"]
    assert "Input should be" not in by_column["lifecycle_stage"]
    assert {e.column: e.message for e in en}["lifecycle_stage"].startswith("not an allowed")
    # Unknown owner: reported once the row's values are valid.
    rows = ["phone,owner", "13911112222,nobody"]
    with translation.override("zh-hans"):
        [owner] = check_path("customers", write(tmp_path, rows[1:], rows[0]), lambda n: None).errors
    assert owner.column == "owner"
    assert owner.message == "没有登录名为 nobody 的员工"


def test_csv_quoting_in_cells_survives_the_stream(brand: Brand, tmp_path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["phone", "display_name", "address"])
    writer.writerow(["13911112222", "张, 敏", "上海\n静安"])
    path = tmp_path / "q.csv"
    path.write_text(buffer.getvalue(), encoding="gbk")
    assert counts(import_path("customers", path, Options(), lambda n: None)) == (1, 0, 0, 0)
    customer = Customer.objects.get()
    assert (customer.display_name, customer.address) == ("张, 敏", "上海\n静安")
