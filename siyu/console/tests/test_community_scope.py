"""A store manager invites to his own store's group codes, and only his store's customers:
another store's code is neither offered nor accepted, and a brand-wide tag reaches only
the customers he may see. HQ invites anyone to any code."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from siyu.community.models import CodeChat, GroupCode, GroupInvite
from siyu.community.tests.factories import T0, make_group
from siyu.console.tests.factories import login, make_customer
from siyu.core.models import Staff
from siyu.customers.consent import record_consent
from siyu.customers.models import Customer, Tag, TagSource
from siyu.customers.tagging import add_tag, ensure_tag
from siyu.demo.brand import Brand
from siyu.messaging.models import Send

pytestmark = pytest.mark.django_db


def _code(owner: Staff, name: str) -> GroupCode:
    code = GroupCode.objects.create(
        name=name, state=f"gc-{owner.pk}", config_id=f"cfg{owner.pk}", created_at=timezone.now(),
        qr_code=f"https://wecom.test/join/{owner.pk}.png",
    )  # fmt: skip
    CodeChat.objects.create(code=code, chat=make_group(owner, name=name))
    return code


def _fan(name: str, rep: Staff, tag: Tag) -> Customer:
    person = make_customer(name, owner=rep)
    add_tag(person, tag, source=TagSource.MANUAL)
    record_consent(
        person, purpose="marketing", granted=True, policy_version="v1", source="t", at=T0
    )
    return person


def _other_store(brand: Brand) -> tuple[Staff, Staff]:
    manager = next(s for u, s in sorted(brand.staff.items()) if u.startswith("manager"))
    rep = Staff.objects.filter(org_unit=manager.org_unit, role="sales").first()
    assert rep is not None
    return manager, rep


def test_a_store_manager_invites_only_to_his_codes_and_only_his_customers(
    client: Client, brand: Brand
) -> None:
    manager, rep = _other_store(brand)
    mine = _code(brand.wang_qiang, "静安店福利群")
    theirs = _code(manager, "别店福利群")
    tag = ensure_tag("兴趣", "手冲爱好者")
    lei, far = _fan("赵蕾", brand.chen_jing, tag), _fan("远方客", rep, tag)
    login(client, brand.wang_qiang)

    page = client.get("/community/codes/").content.decode()
    assert "静安店福利群" in page
    assert "别店福利群" not in page  # neither listed nor offered in the invitation form
    body = {"code": theirs.pk, "tag": tag.pk, "text": "来群里"}
    client.post("/community/invites/new/", body)
    assert not GroupInvite.objects.exists()

    client.post("/community/invites/new/", {**body, "code": mine.pk})
    invite = GroupInvite.objects.get()
    sent = Send.objects.filter(source_id=invite.source_id).values_list("customer_id", flat=True)
    assert list(sent) == [lei.pk]
    assert far.pk not in sent


def test_hq_invites_the_whole_tag_to_any_code(client: Client, brand: Brand) -> None:
    manager, rep = _other_store(brand)
    theirs = _code(manager, "别店福利群")
    tag = ensure_tag("兴趣", "手冲爱好者")
    people = {_fan("赵蕾", brand.chen_jing, tag).pk, _fan("远方客", rep, tag).pk}
    login(client, brand.lin_yue)
    client.post("/community/invites/new/", {"code": theirs.pk, "tag": tag.pk, "text": "来群里"})
    invite = GroupInvite.objects.get()
    sent = Send.objects.filter(source_id=invite.source_id).values_list("customer_id", flat=True)
    assert set(sent) == people
