"""The stored orders a re-run compares with, read by plain SQL, are what the ORM reads:
same ids, heads (times as aware instants), lines and refunds."""

from __future__ import annotations

from pathlib import Path

import pytest

from siyu.customers.models import Order, Refund
from siyu.customers.orders import OrderHead
from siyu.demo.brand import Brand
from siyu.imports.stored_rows import LINE_KEY, stored_orders
from siyu.imports.tests.test_corrections import BASE, write
from siyu.imports.whole_file import import_path
from siyu.imports.writer import Options

pytestmark = pytest.mark.django_db


def test_stored_orders_read_what_the_orm_reads(brand: Brand, tmp_path: Path) -> None:
    more = [
        "13911112222,taobao,TB2,2025-03-01 23:59:59,10,10,A,a,1,10,10,RF2,5,2025-03-02 00:00",
        "13911112222,taobao,TB2,2025-03-01 23:59:59,10,10,,,,,,RF3,5,2025-03-03 00:30",
    ]
    import_path("orders", write(tmp_path, [*BASE, *more]), Options(), lambda n: None)
    keys = [("taobao", "TB1"), ("jd", "JD1"), ("taobao", "TB2"), ("taobao", "NONE"), ("jd", "TB1")]
    found = stored_orders(keys)
    expected = {}
    for order in Order.objects.prefetch_related("lines", "refunds"):
        head = OrderHead(*(getattr(order, name) for name in OrderHead._fields))
        lines = sorted(tuple(getattr(ln, f) for f in LINE_KEY) for ln in order.lines.all())
        refunds = {r.refund_no: (r.amount_fen, r.refunded_at) for r in order.refunds.all()}
        expected[(order.platform, order.order_no)] = (head, lines, refunds)
    assert set(found) == {("taobao", "TB1"), ("jd", "JD1"), ("taobao", "TB2")}
    for key, stored in found.items():
        assert (stored.order, sorted(stored.lines), stored.refunds) == expected[key]
        assert stored.order.paid_at.utcoffset() is not None
        assert all(at.utcoffset() is not None for _amount, at in stored.refunds.values())
    assert Refund.objects.count() == 3
    without = stored_orders(keys, lines=False)
    assert {k: (v.order, v.lines, v.refunds) for k, v in without.items()} == {
        k: (v.order, [], v.refunds) for k, v in found.items()
    }
