"""The referral pages: programmes with K-factor, cost per referred customer and ROI, the
repurchase comparison and KOCs; a programme's funnel and tree; the review queue, decided by
HQ only."""

from __future__ import annotations

import pytest
from django.test import Client

from siyu.console.tests.factories import login
from siyu.demo.brand import Brand
from siyu.referrals.codes import code_for, state_of
from siyu.referrals.models import ReviewCase
from siyu.referrals.tests.factories import add_with_state, drain, make_person, make_programme

pytestmark = pytest.mark.django_db


def _referrals(velocity: int = 20) -> int:
    programme, lei = make_programme(velocity_per_day=velocity), make_person("赵蕾")
    for _ in range(3):
        add_with_state(make_person(), state_of(code_for(programme, customer_id=lei.pk)))
    drain()
    return programme.pk


def test_the_overview_and_programme_pages(client: Client, brand: Brand) -> None:
    pk = _referrals()
    login(client, brand.lin_yue)
    page = client.get("/referrals/")
    assert page.status_code == 200
    (report, _cost, _gmv), *_ = page.context["reports"]
    assert (report.invited, report.qualified, report.k_factor) == (3, 3, 3.0)
    assert report.cost_per_referred_fen == 150  # 150 points a friend at 1 fen a point
    assert page.context["kocs"][0][0].name == "赵蕾"
    detail = client.get(f"/referrals/{pk}/")
    assert detail.status_code == 200
    (root,) = detail.context["tree"]
    assert (root.name, len(root.children)) == ("赵蕾", 3)
    assert client.get("/referrals/999999/").status_code == 404


def test_the_review_queue_is_decided_by_hq_only(client: Client, brand: Brand) -> None:
    _referrals(velocity=2)
    case = ReviewCase.objects.get()
    login(client, brand.chen_jing)
    assert client.post(f"/referrals/review/{case.pk}/", {"decision": "approve"}).status_code == 403
    login(client, brand.lin_yue)
    page = client.get("/referrals/review/")
    assert [len(reasons) for _case, reasons in page.context["cases"]] == [1]
    client.post(f"/referrals/review/{case.pk}/", {"decision": "reject"})
    case.refresh_from_db()
    assert case.status == "rejected"
    assert client.get("/referrals/review/").context["cases"] == []


def _koc_code(brand: Brand) -> int:
    from django.utils import timezone

    from siyu.community.models import CodeChat, GroupCode
    from siyu.community.tests.factories import make_group
    from siyu.groups.models import GroupChat, GroupType

    chat = make_group(brand.wang_qiang, name="山茶咖啡·KOC 体验官群")
    GroupChat.objects.filter(pk=chat.pk).update(group_type=GroupType.KOC)
    code = GroupCode.objects.create(
        name="KOC 体验官群活码", state="gc-koc", config_id="cfg", created_at=timezone.now(),
        qr_code="https://wecom.test/join/cfg.png",
    )  # fmt: skip
    CodeChat.objects.create(code=code, chat=chat)
    return code.pk


def test_top_kocs_are_previewed_then_invited_and_the_result_shows_sends_joins_and_sop(
    client: Client, brand: Brand
) -> None:
    from siyu.community.models import GroupInvite

    _referrals()
    code = _koc_code(brand)
    login(client, brand.lin_yue)
    assert "/referrals/kocs/invite/" in client.get("/referrals/").content.decode()
    query: dict[str, str | int] = {"code": code, "top": 1, "text": "邀请你加入 KOC 体验官群"}
    page = client.get("/referrals/kocs/invite/", query)
    assert page.status_code == 200
    assert [k.name for k in page.context["kocs"]] == ["赵蕾"]
    assert client.get("/referrals/kocs/invite/", {**query, "top": "many"}).status_code == 400
    assert client.get("/referrals/kocs/invite/", {**query, "top": 10**9}).status_code == 400
    login(client, brand.chen_jing)  # sales: may look, not send
    assert client.post("/referrals/kocs/invite/", query).status_code == 403
    login(client, brand.lin_yue)
    sent = client.post("/referrals/kocs/invite/", query)
    invite = GroupInvite.objects.get()
    assert sent["Location"] == f"/referrals/kocs/invites/{invite.pk}/"
    result = client.get(sent["Location"])
    assert result.status_code == 200
    assert [send.customer.display_name for send, _joined in result.context["rows"]] == ["赵蕾"]
    assert {s.kind for s in result.context["slots"]} == {"trial", "brief", "session"}
    login(client, brand.chen_jing)  # not her group: not her invitation either
    assert client.get(sent["Location"]).status_code == 404


def test_each_role_counts_the_referrals_it_reaches(client: Client, brand: Brand) -> None:
    from siyu.core.models import Role
    from siyu.customers.follows import follow_customer
    from siyu.referrals.tests.factories import T0

    other = next(
        s for s in brand.staff.values()
        if s.role == Role.SALES and s.org_unit_id != brand.chen_jing.org_unit_id
    )  # fmt: skip
    programme = make_programme()
    lei, far = make_person("赵蕾"), make_person("远方")
    follow_customer(lei, brand.chen_jing, primary=True, at=T0)  # a 静安店 customer
    follow_customer(far, other, primary=True, at=T0)  # another store's
    for inviter, friends in ((lei, 2), (far, 1)):
        for _ in range(friends):
            add_with_state(make_person(), state_of(code_for(programme, customer_id=inviter.pk)))
    drain()
    invited: dict[str, int] = {}
    for staff in (brand.lin_yue, brand.wang_qiang, brand.chen_jing, other):
        login(client, staff)
        (report, _cost, _gmv), *_ = client.get("/referrals/").context["reports"]
        invited[staff.user.username] = report.invited
        kocs = [k.name for k, _gmv in client.get("/referrals/").context["kocs"]]
        assert kocs == {"lin.yue": ["赵蕾", "远方"], "wang.qiang": ["赵蕾"],
                        "chen.jing": ["赵蕾"]}.get(staff.user.username, ["远方"])  # fmt: skip
    assert invited == {"lin.yue": 3, "wang.qiang": 2, "chen.jing": 2, other.user.username: 1}
    login(client, brand.wang_qiang)
    (root,) = client.get(f"/referrals/{programme.pk}/").context["tree"]
    assert (root.name, len(root.children)) == ("赵蕾", 2)
