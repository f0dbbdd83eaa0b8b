from __future__ import annotations

import pytest
from django.test import Client

from siyu.console.tests.factories import login
from siyu.core.models import AuditLog
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.models import Customer, CustomerStatus, MergeRecord, ReviewFlag
from siyu.customers.resolve import resolve_identities
from siyu.demo.brand import Brand

pytestmark = pytest.mark.django_db


def shared_phone_and_a_merge() -> None:
    phone = IdentityInput("phone", "13912345678")
    for i in range(2):
        resolve_identities([IdentityInput("store_member_no", f"M{i}"), phone], source="pos")
    resolve_identities([IdentityInput("taobao_buyer_id", "tbA")], source="t")
    resolve_identities([IdentityInput("taobao_buyer_id", "tbB")], source="t")
    resolve_identities(
        [IdentityInput("taobao_buyer_id", "tbA"), IdentityInput("taobao_buyer_id", "tbB")],
        source="t",
    )


def test_hq_sees_flags_masked_and_can_undo_a_merge(client: Client, brand: Brand) -> None:
    shared_phone_and_a_merge()
    page = login(client, brand.lin_yue).get("/review/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "*******5678" in body
    assert "13912345678" not in body
    record = MergeRecord.objects.get()
    response = client.post(f"/review/merges/{record.pk}/undo/")
    assert response.status_code == 302
    assert Customer.objects.filter(status=CustomerStatus.ACTIVE).count() == 4
    assert AuditLog.objects.filter(action="customer.unmerge", actor=brand.lin_yue.user).exists()
    again = client.post(f"/review/merges/{record.pk}/undo/", follow=True)
    assert "already undone" in again.content.decode() or "已撤销" in again.content.decode()


def test_resolving_a_flag_is_audited(client: Client, brand: Brand) -> None:
    shared_phone_and_a_merge()
    flag = ReviewFlag.objects.get()
    login(client, brand.lin_yue).post(f"/review/flags/{flag.pk}/resolve/", {"note": "门店座机"})
    flag.refresh_from_db()
    assert flag.resolved_at is not None
    assert flag.detail["resolution_note"] == "门店座机"
    assert AuditLog.objects.filter(action="review.resolve").exists()


@pytest.mark.parametrize("username", ["wang.qiang", "chen.jing"])
def test_store_staff_cannot_use_the_review_queue(
    client: Client, brand: Brand, username: str
) -> None:
    shared_phone_and_a_merge()
    login(client, brand.staff[username])
    assert client.get("/review/").status_code == 403
    record = MergeRecord.objects.get()
    assert client.post(f"/review/merges/{record.pk}/undo/").status_code == 403
    assert MergeRecord.objects.get().undone_at is None
