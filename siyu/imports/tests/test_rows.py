from __future__ import annotations

import pytest

from siyu.imports.customer_rows import parse_customers
from siyu.imports.rows import CellError, locate, parse_amount, parse_orders


def test_amounts_in_yuan_become_fen() -> None:
    assert parse_amount("paid_amount", "68") == 6800
    assert parse_amount("paid_amount", "¥1,299.50") == 129950
    with pytest.raises(CellError):
        parse_amount("paid_amount", "12.345")
    with pytest.raises(CellError):
        parse_amount("paid_amount", "abc")


def test_customer_row_becomes_a_profile_item() -> None:
    header = ["phone", "taobao_buyer_id", "display_name", "gender", "interests", "store", "owner"]
    rows = [["13912345678", "tb_zm", "张敏", "女", "手冲|拿铁", "上海静安店", "chen.jing"]]
    items, errors = parse_customers(header, rows)
    assert errors == []
    raw = items[0].raw
    assert raw["identities"] == [
        {"type": "phone", "value": "13912345678"},
        {"type": "taobao_buyer_id", "value": "tb_zm"},
    ]
    assert raw["gender"] == "female"
    assert raw["interests"] == ["手冲", "拿铁"]
    assert raw["org_unit"] == "上海静安店"
    assert raw["primary_owner"] == "chen.jing"
    assert locate(items[0], "identities.1.value") == (2, "taobao_buyer_id")


def test_order_rows_with_one_order_number_form_one_order() -> None:
    header = [
        "phone",
        "platform",
        "order_no",
        "paid_at",
        "paid_amount",
        "sku",
        "quantity",
        "unit_price",
        "refund_no",
        "refund_amount",
        "refunded_at",
    ]
    rows = [
        ["13912345678", "taobao", "TB1", "2025-03-01 14:30", "58", "BEAN", "1", "68", "", "", ""],
        [
            "13912345678",
            "taobao",
            "TB1",
            "2025-03-01 14:30",
            "58",
            "CUP",
            "2",
            "5",
            "RF1",
            "10",
            "2025-03-02 10:00",
        ],
    ]
    items, errors = parse_orders(header, rows)
    assert errors == []
    [item] = items
    assert [ln["sku"] for ln in item.raw["lines"]] == ["BEAN", "CUP"]
    assert item.raw["lines"][1]["paid_fen"] == 1000
    assert item.raw["refunds"][0]["amount_fen"] == 1000
    assert item.raw["paid_at"].endswith("+08:00")  # local time in the brand's zone
    assert locate(item, "lines.1.quantity") == (3, "quantity")
    assert locate(item, "refunds.0.amount_fen") == (3, "refund_amount")


def test_unreadable_cells_are_row_errors() -> None:
    header = ["phone", "platform", "order_no", "paid_at", "paid_amount"]
    rows = [
        ["13912345678", "taobao", "TB1", "yesterday", "58"],
        ["", "jd", "JD1", "2025-01-01", "1"],
    ]
    items, errors = parse_orders(header, rows)
    assert items == []
    assert [(e.row, e.column) for e in errors] == [(2, "paid_at"), (3, "phone")]
