"""Deletion: nothing of 张敏 is left in any column of any table, the brand's GMV is
unchanged, her old Tmall row cannot bring her back, her own new WeCom add does."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.db import connection, transaction

from siyu.analytics.gmv import gmv_factors
from siyu.analytics.periods import Period
from siyu.core.models import AuditLog
from siyu.core.pii import blind_index
from siyu.customers.models import Customer, Identity, Order
from siyu.customers.scope import visible_customers
from siyu.imports.models import ImportStatus
from siyu.imports.run import run_import_job
from siyu.imports.start import start_import
from siyu.integrations.wecom import events
from siyu.privacy.erase import erase_customer, plan_erasure
from siyu.privacy.models import PrivacyRequest, Tombstone
from siyu.privacy.tests.conftest import CORP, EXTERNAL_ID, Zhang
from siyu.privacy.tests.scan import scan_database
from siyu.segments.models import Membership

pytestmark = pytest.mark.django_db

OLD_TMALL_ROW = (
    "phone,taobao_buyer_id,platform,order_no,paid_at,total_amount,paid_amount\n"
    "{phone},tb_zhangmin_1988,taobao,TM2025061800188,2025-06-18 14:20,150,150\n"
)


def _raw_column_values(table: str, column: str, where: str, ids: list[int]) -> set[str]:
    marks = ",".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {where} IN ({marks})", ids)  # noqa: S608
        return {v for (v,) in cursor.fetchall() if v}


def _needles(zhang: Zhang) -> tuple[set[str], str]:
    """Her name, phone, identifiers, order numbers, blind index and every ciphertext of
    hers as stored."""
    ids = [
        zhang.customer.pk,
        *Customer.objects.filter(merged_into=zhang.customer).values_list("pk", flat=True),
    ]
    phone = next(
        i.value_encrypted for i in Identity.objects.filter(customer_id__in=ids, type="phone")
    )
    from siyu.core.pii import decrypt_pii

    plain_phone = decrypt_pii(phone)
    needles = {
        "张敏",
        plain_phone,
        EXTERNAL_ID,
        "tb_zhangmin_1988",
        "oUnP_zhangmin",
        "oMPP_zhangmin",
    }
    needles |= {"TM2025061800188", "TM2025111100521", "WC-zhang", blind_index("phone", plain_phone)}
    needles |= _raw_column_values("customers_customer", "real_name", "id", ids)
    needles |= _raw_column_values("customers_identity", "value_encrypted", "customer_id", ids)
    return needles, plain_phone


def _gmv() -> tuple[int, int, int]:
    f = gmv_factors(visible_customers(None), Period(date(2025, 1, 1), date(2026, 12, 1)))
    return f.users, f.orders, f.gmv_fen


def test_after_deletion_nothing_of_her_is_left_in_any_table(zhang: Zhang) -> None:
    needles, phone = _needles(zhang)
    # The scan finds her before (her phone only ever as ciphertext and blind index).
    assert {n for _t, n in scan_database(needles)} == needles - {phone}
    erase_customer(zhang.customer, actor=zhang.brand.lin_yue.user)
    assert scan_database(needles) == []


def test_deletion_keeps_the_gmv_and_leaves_her_segments(zhang: Zhang) -> None:
    before = _gmv()
    erase_customer(zhang.customer, actor=None)
    assert _gmv() == before
    assert not Membership.objects.filter(customer=zhang.customer).exists()
    stub = Customer.objects.get(pk=zhang.customer.pk)
    assert (stub.display_name, stub.real_name, stub.phone_last4, stub.birthday) == (
        "",
        "",
        "",
        None,
    )
    assert Order.objects.filter(customer=stub).count() == 13
    assert not Identity.objects.filter(customer=stub).exists()
    assert PrivacyRequest.objects.filter(customer=stub).exists()  # the proof stays


def test_the_deletion_is_audited_without_what_was_deleted(zhang: Zhang) -> None:
    plan = plan_erasure(zhang.customer)
    assert plan.deleted["customers.Identity"] == plan.identifiers > 0
    assert plan.kept_on_stub["customers.Order"] == 13
    erase_customer(zhang.customer, actor=zhang.brand.lin_yue.user)
    audit = AuditLog.objects.get(action="privacy.erase")
    assert audit.detail["tables"]["customers.Identity"] == plan.identifiers
    assert audit.detail["tombstones"] == Tombstone.objects.count() == plan.identifiers


def _import(kind: str, text: str) -> tuple[str, list[dict[str, object]]]:
    job = start_import(kind, "old.csv", text.encode(), skip_invalid=True, user=None)
    run_import_job(job.pk)
    job.refresh_from_db()
    return job.status, job.error_report


def test_a_reimport_of_her_old_tmall_row_does_not_recreate_her(zhang: Zhang) -> None:
    _, phone = _needles(zhang)
    erase_customer(zhang.customer, actor=None)
    customers = Customer.objects.count()
    status, errors = _import("orders", OLD_TMALL_ROW.format(phone=phone))
    assert status == ImportStatus.DONE
    assert len(errors) == 1
    status, errors = _import("customers", f"phone,display_name\n{phone},张敏\n")
    assert len(errors) == 1
    assert Customer.objects.count() == customers
    assert not Order.objects.filter(order_no="TM2025061800188").exists()


def _wecom(change_type: str, key: str) -> Customer | None:
    event = events.ContactEvent(
        CORP, change_type, "chen.jing", EXTERNAL_ID, datetime.now().astimezone()
    )
    with transaction.atomic():
        events.apply_event(event, inbox_key=key, inbox_id=0)
    found = Identity.objects.filter(type="wecom_external_userid", value=EXTERNAL_ID).first()
    return found.customer if found else None


def test_a_late_callback_is_refused_but_her_new_wecom_add_creates_a_profile(zhang: Zhang) -> None:
    erase_customer(zhang.customer, actor=None)
    customers = Customer.objects.count()
    assert _wecom("edit_external_contact", "late-edit") is None
    assert Customer.objects.count() == customers
    back = _wecom("add_external_contact", "came-back")
    assert back is not None
    assert back.pk != zhang.customer.pk
    assert Customer.objects.count() == customers + 1
    assert (back.display_name, back.orders.count()) == ("", 0)  # nothing of the old profile
    assert not Tombstone.objects.exists()  # she came back on her own: the rule is lifted


def test_deletion_cancels_her_pending_sends_and_keeps_the_sent_ones_scrubbed(
    zhang: Zhang,
) -> None:
    from siyu.messaging.models import BudgetState, Send, SendPlan, SendStatus

    pk = zhang.customer.pk
    queued = Send.objects.get(customer_id=pk, status=SendStatus.QUEUED)
    Send.objects.filter(pk=queued.pk).update(budget_state=BudgetState.RESERVED)
    other = Customer.objects.exclude(pk=pk).filter(merged_into__isnull=True).first()
    assert other is not None
    Send.objects.create(
        plan=queued.plan, source=queued.source, source_id=queued.source_id,
        recipient=f"c:{other.pk}", channel=queued.channel, customer=other,
        status=SendStatus.QUEUED, due_at=queued.due_at, local_day=queued.local_day,
        created_at=queued.created_at,
    )  # fmt: skip
    erase_customer(zhang.customer, actor=None)
    assert not Send.objects.filter(pk=queued.pk).exists()  # no worker can deliver it
    assert not Send.objects.filter(budget_state=BudgetState.RESERVED).exists()
    kept = Send.objects.get(customer_id=pk)
    assert (kept.status, kept.recipient, kept.last_error) == (
        SendStatus.SENT,
        f"erased:{kept.pk}",
        "",
    )
    assert kept.plan.content == {}
    assert kept.plan.title == ""
    # A mass send keeps its text for the others, who still get it.
    assert SendPlan.objects.get(source_id="weekly").content == {"text": "本周新品"}
    assert Send.objects.filter(customer=other, status=SendStatus.QUEUED).exists()
