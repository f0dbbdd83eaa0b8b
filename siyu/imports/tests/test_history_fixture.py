"""A few hundred invoices with years of history, cancellations, repeated refund rows and a
later file of corrections; expected figures are computed from the generated rows, not
from the database."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Count, Sum

from siyu.customers.models import Customer, Order, OrderLine, Refund
from siyu.demo.brand import Brand
from siyu.imports.engine import per_item_writer
from siyu.imports.whole_file import check_path, import_path
from siyu.imports.writer import Options

pytestmark = pytest.mark.django_db

HEADER = (
    "phone,platform,order_no,paid_at,total_amount,paid_amount,sku,product_name,quantity,"
    "unit_price,line_amount,refund_no,refund_amount,refunded_at"
)


@dataclass
class Invoice:
    no: str
    phone: str
    paid_at: str
    lines: list[tuple[str, int, int]]  # sku, quantity, unit price fen
    refund: tuple[str, int] | None = None
    paid: int = field(init=False)

    def __post_init__(self) -> None:
        self.paid = sum(q * p for _s, q, p in self.lines)


def invoices(n: int = 300, seed: int = 5) -> list[Invoice]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        year = rng.choice([2019, 2021, 2023])
        lines = [(f"S{rng.randrange(50)}", rng.randint(1, 5), rng.randint(100, 9999))
                 for _ in range(rng.randint(1, 6))]  # fmt: skip
        inv = Invoice(f"C{i}", f"137{rng.randrange(40) * 7919 + 1000000:08d}",
                      f"{year}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)} 1{rng.randint(0, 9)}:00", lines)  # fmt: skip
        if i % 25 == 0:
            inv.refund = (f"X{i}", inv.paid)  # a cancellation: refunded in full
        elif i % 7 == 0:
            inv.refund = (f"R{i}", min(inv.paid, 500))
        out.append(inv)
    return out


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def csv_text(data: list[Invoice]) -> str:
    rows = [HEADER]
    for inv in data:
        head = f"{inv.phone},other,{inv.no},{inv.paid_at},{yuan(inv.paid)},{yuan(inv.paid)}"
        for sku, qty, price in inv.lines:
            # Exports repeat the order's refund on every line row.
            refund = (
                f"{inv.refund[0]},{yuan(inv.refund[1])},2024-01-02 10:00" if inv.refund else ",,"
            )
            rows.append(f"{head},{sku},{sku},{qty},{yuan(price)},{yuan(qty * price)},{refund}")
    return "\n".join(rows) + "\n"


def figures() -> dict[str, Any]:
    return {
        "orders": Order.objects.count(),
        "paid": Order.objects.aggregate(s=Sum("paid_fen"))["s"],
        "refunded": Order.objects.aggregate(s=Sum("refunded_fen"))["s"],
        "lines": OrderLine.objects.aggregate(n=Count("id"), s=Sum("paid_fen")),
        "refunds": Refund.objects.count(),
        "buyers": Customer.objects.count(),
    }


def expected(data: list[Invoice]) -> dict[str, Any]:
    return {
        "orders": len(data),
        "paid": sum(i.paid for i in data),
        "refunded": sum(i.refund[1] for i in data if i.refund),
        "lines": {"n": sum(len(i.lines) for i in data), "s": sum(i.paid for i in data)},
        "refunds": sum(1 for i in data if i.refund),
        "buyers": len({i.phone for i in data}),
    }


def run(tmp_path: Path, data: list[Invoice], *, update: bool = False, writer: Any = None) -> Any:
    path = tmp_path / "invoices.csv"
    path.write_text(csv_text(data), encoding="utf-8")
    assert check_path("orders", path, lambda n: None).errors == []
    return import_path("orders", path, Options(update=update), lambda n: None, writer=writer)


@pytest.mark.parametrize("writer", [None, per_item_writer], ids=["bulk", "per-item"])
def test_history_cancellations_and_corrections_add_up(
    brand: Brand, tmp_path: Path, writer: Any
) -> None:
    data = invoices()
    first = run(tmp_path, data, writer=writer)
    assert (first.created, first.unchanged, first.updated, first.rejected_rows) == (300, 0, 0, 0)
    assert figures() == expected(data)
    assert Order.objects.filter(paid_at__year=2019).exists()  # history older than the install

    again = run(tmp_path, data, writer=writer)
    assert (again.created, again.unchanged, again.updated) == (0, 300, 0)

    corrected = invoices()
    for inv in corrected[1:300:20]:  # 15 invoices whose lines were re-priced later
        inv.lines = [(s, q, p + 1) for s, q, p in inv.lines]
        inv.__post_init__()
    conflicts = run(tmp_path, corrected, writer=writer)
    assert (conflicts.unchanged, conflicts.rejected_rows) == (285, 15)
    assert figures() == expected(data)  # nothing changed without update mode

    applied = run(tmp_path, corrected, update=True, writer=writer)
    assert (applied.created, applied.unchanged, applied.updated) == (0, 285, 15)
    assert figures() == expected(corrected)


def test_an_import_that_wrote_rows_enqueues_one_segment_sweep(
    brand: Brand, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    from siyu.segments.tasks import refresh_all_segments

    sweeps = DBTaskResult.objects.filter(task_path=refresh_all_segments.module_path)
    with django_capture_on_commit_callbacks(execute=True):
        run(tmp_path, invoices(20))
    assert sweeps.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        run(tmp_path, invoices(20))  # unchanged: nothing to refresh
    assert sweeps.count() == 1
