"""Every export goes through the escaping writer: a hostile region or tag name reaches the
spreadsheet as text (segment members, layering, analytics tables, import reports)."""

from __future__ import annotations

import csv
import io

from django.test import Client

from siyu.analytics.tables import Table, csv_response
from siyu.console.tests.factories import login
from siyu.core.models import AuditLog
from siyu.demo.brand import Brand
from siyu.segments.define import create_segment
from siyu.segments.membership import refresh_segment
from siyu.segments.tests.factories import NOW, buy, make_customer

ATTACK = "+1+cmd|' /C calc'!A0"


def _cells(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_segment_member_export_escapes_a_formula_region(client: Client, brand: Brand) -> None:
    make_customer("攻击者", region=ATTACK, gender="female")
    segment = create_segment("女性", {"kind": "profile", "field": "gender", "values": ["female"]})
    refresh_segment(segment.pk)
    login(client, brand.lin_yue)
    rows = _cells(client.get(f"/segments/{segment.pk}/export.csv").content)
    assert rows[1][4] == "'" + ATTACK


def test_layering_exports_are_escaped_and_audited(client: Client, brand: Brand) -> None:
    buy(make_customer("甲", region="上海"), NOW, 1000)
    login(client, brand.lin_yue)
    for table in ("rfm", "matrix", "pareto"):
        assert client.get(f"/segments/layering/{table}.csv").status_code == 200
    audits = AuditLog.objects.filter(action="layering_export").order_by("pk")
    assert [(a.target_id, a.detail["rows"], a.actor) for a in audits] == [
        ("rfm", 1, brand.lin_yue.user),
        ("matrix", 1, brand.lin_yue.user),
    ]


def test_analytics_tables_escape_cells() -> None:
    table = Table("channels", "t", ["channel", "roi"], [[ATTACK, "-91.9%"], [None, -3]])
    rows = _cells(csv_response(table).content)
    assert rows[1:] == [["'" + ATTACK, "-91.9%"], ["", "-3"]]
