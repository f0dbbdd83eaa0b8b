"""Access / copy: the archive holds every row 张敏 has in every app, identities decrypted,
and the export is audited without the values."""

from __future__ import annotations

import json

import pytest

from siyu.core.models import AuditLog
from siyu.core.pii import decrypt_pii
from siyu.customers.merge_hooks import REGISTRY
from siyu.customers.models import Customer, Identity
from siyu.privacy.export import export_customer
from siyu.privacy.holders import HOLDERS
from siyu.privacy.person import person_of, rows_of
from siyu.privacy.tests.conftest import Zhang

pytestmark = pytest.mark.django_db


def _her_rows(zhang: Zhang) -> dict[str, set[int]]:
    person = person_of(zhang.customer)
    found: dict[str, set[int]] = {}
    for label, rows in REGISTRY.items():
        found[label] = set(rows_of(rows, person).values_list("pk", flat=True))
    for label, holder in HOLDERS.items():
        found[label] = set(holder.rows(person).values_list("pk", flat=True))
    return found


def test_the_archive_holds_every_row_she_has_in_every_app(zhang: Zhang) -> None:
    archive = export_customer(zhang.customer, actor=zhang.brand.lin_yue.user)
    expected = _her_rows(zhang)
    # The fixture gives her a row in every table: a table added later needs a row there.
    assert [label for label, ids in expected.items() if not ids] == []
    got = {label: {r["id"] for r in rows} for label, rows in archive["tables"].items()}
    assert got == expected


def test_the_archive_tells_her_merged_tmall_history(zhang: Zhang) -> None:
    archive = export_customer(zhang.customer, actor=None)
    orders = {o["order_no"]: o for o in archive["tables"]["customers.Order"]}
    assert {"TM2025061800188", "TM2025111100521"} <= set(orders)
    assert all(o["lines"] for o in orders.values())
    absorbed = Customer.objects.filter(merged_into=zhang.customer).count()
    assert absorbed >= 1  # the Tmall profile was merged into hers
    assert len(archive["profiles"]) == 1 + absorbed
    identities = {(i["type"], i["value"]) for i in archive["tables"]["customers.Identity"]}
    assert ("taobao_buyer_id", "tb_zhangmin_1988") in identities
    phone = Identity.objects.get(customer=zhang.customer, type="phone")
    assert ("phone", decrypt_pii(phone.value_encrypted)) in identities  # decrypted, not hashed
    assert archive["profiles"][0]["real_name"] == "张敏"
    consents = archive["tables"]["customers.Consent"]
    assert {c["purpose"] for c in consents} == {"marketing", "analysis"}
    assert all(c["policy_version"] for c in consents)
    json.dumps(archive, ensure_ascii=False)  # machine-readable as it is


def test_the_export_is_audited_without_the_values(zhang: Zhang) -> None:
    export_customer(zhang.customer, actor=zhang.brand.lin_yue.user)
    audit = AuditLog.objects.get(action="privacy.export")
    assert audit.target_id == str(zhang.customer.pk)
    assert audit.actor == zhang.brand.lin_yue.user
    assert audit.detail["tables"]["customers.Order"] == 13
    assert "张敏" not in json.dumps(audit.detail, ensure_ascii=False)
