"""The 任务宝 programme page lists who unlocked the gift and lets a store manager mark a
physical gift handed over, with a note; sales look, another store's manager cannot mark his
store's inviters' gifts, and a too-long note is refused with a message."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from siyu.console.tests.factories import login, make_customer
from siyu.demo.brand import Brand
from siyu.referrals.models import GiftStatus, Programme, ProgrammeKind, TaskGift

pytestmark = pytest.mark.django_db


def _gift(brand: Brand) -> TaskGift:
    programme = Programme.objects.create(
        name="邀3人进群领挂耳咖啡", kind=ProgrammeKind.TASK, task_target=3,
        gift_name="挂耳咖啡礼盒", gift_stock=10, gift_given=1, created_at=timezone.now(),
    )  # fmt: skip
    lei = make_customer("赵蕾", owner=brand.chen_jing)
    return TaskGift.objects.create(programme=programme, customer=lei, created_at=timezone.now())


def test_a_store_manager_marks_the_gift_handed_over(client: Client, brand: Brand) -> None:
    gift = _gift(brand)
    page_url, url = f"/referrals/{gift.programme_id}/", f"/referrals/gifts/{gift.pk}/hand-over/"
    login(client, brand.chen_jing)
    assert "赵蕾" in client.get(page_url).content.decode()
    assert client.post(url, {"note": "门店自提"}).status_code == 403
    other = next(s for u, s in sorted(brand.staff.items()) if u.startswith("manager"))
    login(client, other)
    assert client.post(url, {"note": "x"}).status_code == 404
    login(client, brand.wang_qiang)
    assert client.post(url, {"note": "x" * 201}).status_code == 302
    gift.refresh_from_db()
    assert gift.status == GiftStatus.AWAITING
    client.post(url, {"note": "门店自提"})
    gift.refresh_from_db()
    assert (gift.status, gift.note, gift.fulfilled_by_id) == (
        GiftStatus.HANDED_OVER, "门店自提", brand.wang_qiang.pk,
    )  # fmt: skip
    page = client.get(page_url).content.decode()
    assert "门店自提" in page
