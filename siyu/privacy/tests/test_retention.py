"""Retention removes exactly what is past its limit, in chunks, and says what it removed."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from siyu.core.models import AuditLog
from siyu.customers.models import Event
from siyu.customers.tests.factories import make_customer
from siyu.imports.models import ImportJob, ImportStatus
from siyu.integrations.wecom.models import CallbackInbox, InboxStatus
from siyu.privacy.models import ExportArchive, PrivacyRequest
from siyu.privacy.requests import raise_request
from siyu.privacy.retention import RULES, apply_retention

pytestmark = pytest.mark.django_db
NOW = timezone.now()
DAY = timedelta(days=1)


def _ages(days: int) -> tuple[datetime, datetime]:
    """Just past the limit, and just inside it."""
    return NOW - days * DAY - timedelta(minutes=1), NOW - days * DAY + timedelta(minutes=1)


def _data() -> PrivacyRequest:
    customer = make_customer("oRetention")
    for k, when in enumerate(_ages(1095)):
        Event.objects.create(
            customer=customer, type="page_view", occurred_at=when, idempotency_key=f"e{k}"
        )
    for k, when in enumerate(_ages(1095)):
        AuditLog.objects.filter(
            pk=AuditLog.objects.create(action=f"a{k}", target_type="t", target_id="1").pk
        ).update(created_at=when)
    for k, when in enumerate(_ages(30)):
        ImportJob.objects.create(
            kind="orders",
            file_name=f"f{k}.csv",
            status=ImportStatus.DONE,
            error_report=[{"row": 2}],
            finished_at=when,
        )
    request = raise_request(customer, "access", raised_by="operator", actor=None)
    for when in _ages(7):
        ExportArchive.objects.create(request=request, content="{}", created_at=when)
    for k, when in enumerate(_ages(30)):
        CallbackInbox.objects.create(
            corp_id="c",
            idempotency_key=f"k{k}",
            ordering_key="o",
            payload="<xml/>",
            status=InboxStatus.DONE,
            received_at=when,
            processed_at=when,
        )
    old = _ages(30)[0]
    CallbackInbox.objects.create(
        corp_id="c", idempotency_key="pending", ordering_key="o", payload="<xml/>", received_at=old
    )  # never applied: kept
    return request  # fmt: skip


def test_retention_removes_exactly_what_is_past_its_limit() -> None:
    _data()
    audit_before = AuditLog.objects.count()
    report = apply_retention(NOW, chunk=1)  # one row per chunk: the loop must finish
    assert report == {
        "audit_log": 1,
        "events": 1,
        "exports": 1,
        "import_files": 1,
        "wecom_inbox": 1,
    }
    assert Event.objects.filter(type="page_view").count() == 1
    assert AuditLog.objects.count() == audit_before - 1
    kept = ImportJob.objects.get(file_name="f1.csv")
    emptied = ImportJob.objects.get(file_name="f0.csv")  # the job stays, its data goes
    assert (emptied.error_report, kept.error_report) == ([], [{"row": 2}])
    assert ExportArchive.objects.count() == 1
    assert set(CallbackInbox.objects.values_list("idempotency_key", flat=True)) == {"k1", "pending"}


def test_a_second_run_removes_nothing_more_and_limits_follow_the_setting(settings: object) -> None:
    _data()
    apply_retention(NOW)
    assert set(apply_retention(NOW).values()) == {0}
    settings.SIYU_RETENTION_DAYS = {"events": 1}  # type: ignore[attr-defined]
    assert apply_retention(NOW)["events"] == 1


def test_every_kind_has_a_conservative_documented_default() -> None:
    from siyu.privacy import retention

    for kind, rule in RULES.items():
        assert rule.days >= 7
        assert kind in (retention.__doc__ or "")
