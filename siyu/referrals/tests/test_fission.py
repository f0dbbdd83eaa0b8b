"""任务宝: invite N friends who join the group to unlock a gift, from a stock that never
oversells; the poster carries the inviter's code; the member API shows live progress."""

from __future__ import annotations

import pytest
from django.test import Client

from siyu.campaigns.refusals import Refused
from siyu.customers.member_ref import customer_ref
from siyu.referrals.codes import code_for, state_of
from siyu.referrals.fission import progress_of, unlock_gift
from siyu.referrals.models import Programme, ProgrammeKind, Referral, TaskGift
from siyu.referrals.tests.factories import (
    T0,
    add_with_state,
    days,
    drain,
    event,
    make_person,
    make_programme,
)  # fmt: skip

pytestmark = pytest.mark.django_db
JOIN = "wecom_group_joined"


def task_programme(**fields: object) -> Programme:
    defaults: dict[str, object] = {
        "name": "邀3人进群领挂耳咖啡", "kind": ProgrammeKind.TASK, "event_type": JOIN,
        "task_target": 3, "gift_name": "挂耳咖啡礼盒", "gift_stock": 1,
        "inviter_points": 0, "invitee_points": 0,
    }  # fmt: skip
    defaults.update(fields)
    return make_programme(**defaults)


def bring(programme: Programme, inviter_id: int, n: int, *, join: bool = True) -> None:
    state = state_of(code_for(programme, customer_id=inviter_id))
    for _ in range(n):
        friend = make_person()
        add_with_state(friend, state)
        if join:
            event(friend, JOIN, at=T0 + days(1), chat_id="wr-store")
    drain()


def _client(customer_id: int) -> Client:
    return Client(headers={"X-Member-Ref": customer_ref(customer_id)})


def test_the_gift_unlocks_at_the_target_and_the_stock_runs_out() -> None:
    programme, lei, wang = task_programme(), make_person(), make_person()
    bring(programme, lei.pk, 2)
    assert progress_of(programme, lei.pk).qualified == 2
    assert not TaskGift.objects.exists()
    bring(programme, lei.pk, 1)
    assert TaskGift.objects.get().customer_id == lei.pk  # unlocked as the third joined
    bring(programme, wang.pk, 3)
    with pytest.raises(Refused) as refused:
        unlock_gift(programme.pk, wang.pk, at=T0)
    assert refused.value.code == "sold_out"
    programme.refresh_from_db()
    assert (programme.gift_given, programme.gift_stock) == (1, 1)


def test_friends_who_add_but_never_join_do_not_count() -> None:
    programme, lei = task_programme(), make_person()
    bring(programme, lei.pk, 3, join=False)
    progress = progress_of(programme, lei.pk)
    assert (progress.qualified, progress.waiting, progress.unlocked) == (0, 3, False)
    with pytest.raises(Refused) as refused:
        unlock_gift(programme.pk, lei.pk, at=T0)
    assert refused.value.code == "not_yet"


def test_member_api_shows_code_link_and_live_progress() -> None:
    programme, lei = task_programme(gift_stock=10), make_person("赵蕾")
    bring(programme, lei.pk, 2)
    body = _client(lei.pk).get("/api/member/referrals").json()
    (mine,) = body
    assert mine["code"] == code_for(programme, customer_id=lei.pk).code
    assert mine["link"].endswith(f"/r/{mine['code']}")
    assert mine["progress"] == {
        "target": 3, "qualified": 2, "waiting": 0, "unlocked": False, "gifts_left": 10,
        "gift_status": None,
    }  # fmt: skip
    assert _client(lei.pk).post(f"/api/member/referrals/{programme.pk}/gift").status_code == 409
    bring(programme, lei.pk, 1)
    assert _client(lei.pk).post(f"/api/member/referrals/{programme.pk}/gift").status_code == 200


def test_the_poster_is_an_svg_with_the_inviters_code_and_qr() -> None:
    programme, lei = task_programme(), make_person("赵蕾")
    response = _client(lei.pk).get(f"/api/member/referrals/{programme.pk}/poster")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert code_for(programme, customer_id=lei.pk).code in svg
    for part in ("赵蕾", "qrline", "挂耳咖啡礼盒"):
        assert part in svg


def test_claiming_an_invite_link_attributes_the_member_and_bad_input_is_not_a_500() -> None:
    programme, lei, friend = make_programme(), make_person(), make_person()
    code = code_for(programme, customer_id=lei.pk).code
    ok = _client(friend.pk).post("/api/member/referrals/claim", {"code": code},
                                 content_type="application/json")  # fmt: skip
    assert ok.status_code == 200
    assert Referral.objects.get().via == "link"
    for bad in ({"code": "nope"}, {"code": "x" * 500}, {}, {"code": 7}):
        response = _client(friend.pk).post("/api/member/referrals/claim", bad,
                                           content_type="application/json")  # fmt: skip
        assert response.status_code in (400, 404, 422), bad
    assert Client().get("/api/member/referrals").status_code == 401
    assert _client(friend.pk).get("/api/member/referrals/99999999/poster").status_code == 404
