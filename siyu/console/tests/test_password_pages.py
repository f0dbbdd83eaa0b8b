"""The password change page (everyone) and the staff password reset (admins, operators)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from siyu.access.tests.clock import install_clock
from siyu.console.tests.factories import login
from siyu.core.models import AuditLog
from siyu.demo.brand import DEMO_PASSWORD, Brand

pytestmark = pytest.mark.django_db
NEW = "kumquat-latte-2026"


def change(client: Client, old: str, new1: str, new2: str) -> str:
    response = client.post(
        "/account/password/",
        {"old_password": old, "new_password1": new1, "new_password2": new2},
        follow=True,
    )
    return response.content.decode()


def test_every_user_can_change_their_password_and_stays_logged_in(
    client: Client, brand: Brand
) -> None:
    login(client, brand.chen_jing)
    assert 'href="/account/password/"' in client.get("/customers/").content.decode()
    body = change(client, DEMO_PASSWORD, NEW, NEW)
    assert "密码已修改" in body
    assert client.get("/customers/").status_code == 200
    assert Client().login(username="chen.jing", password=NEW)
    assert AuditLog.objects.filter(action="password_changed").count() == 1


def test_other_sessions_end_when_the_password_changes(client: Client, brand: Brand) -> None:
    phone = login(Client(), brand.chen_jing)
    login(client, brand.chen_jing)
    change(client, DEMO_PASSWORD, NEW, NEW)
    assert phone.get("/customers/").status_code == 302


@pytest.mark.parametrize(
    ("old", "new1", "new2", "expected"),
    [
        ("wrong", NEW, NEW, "旧密码不正确"),
        (DEMO_PASSWORD, NEW, NEW + "x", "输入的两个密码不一致"),
        (DEMO_PASSWORD, "12345678", "12345678", "这个密码太常见了"),
        (DEMO_PASSWORD, "short", "short", "密码长度太短"),
    ],
)
def test_a_bad_change_is_refused_with_a_translated_reason(
    client: Client, brand: Brand, old: str, new1: str, new2: str, expected: str
) -> None:
    login(client, brand.chen_jing)
    assert expected in change(client, old, new1, new2)
    assert not AuditLog.objects.filter(action="password_changed").exists()
    assert Client().login(username="chen.jing", password=DEMO_PASSWORD)


def test_guessing_the_current_password_is_throttled_like_a_login(
    client: Client, brand: Brand, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_clock(monkeypatch)
    login(client, brand.chen_jing)
    for n in range(6):
        change(client, f"guess-{n}", NEW, NEW)
    assert "登录失败次数过多" in change(client, DEMO_PASSWORD, NEW, NEW)
    assert Client().login(username="chen.jing", password=DEMO_PASSWORD)  # unchanged


def test_staff_page_is_in_the_navigation_of_admins_and_operators_only(
    client: Client, brand: Brand
) -> None:
    login(client, brand.staff["ops1"])
    assert 'href="/staff/"' in client.get("/customers/").content.decode()
    for member in (brand.wang_qiang, brand.chen_jing):
        other = login(Client(), member)
        assert 'href="/staff/"' not in other.get("/customers/").content.decode()
        assert other.get("/staff/").status_code == 403
        assert other.get(f"/staff/{brand.lin_yue.pk}/password/").status_code == 403


def test_an_admin_resets_a_staff_password_and_their_sessions_end(
    client: Client, brand: Brand
) -> None:
    target = brand.chen_jing
    phone = login(Client(), target)
    login(client, brand.lin_yue)
    page = client.get("/staff/", {"q": "陈静"}).content.decode()
    assert f'href="/staff/{target.pk}/password/"' in page
    response = client.post(
        f"/staff/{target.pk}/password/",
        {"new_password1": NEW, "new_password2": NEW},
        follow=True,
    )
    assert "陈静 的密码已重置" in response.content.decode()
    assert phone.get("/customers/").status_code == 302
    assert Client().login(username="chen.jing", password=NEW)
    assert AuditLog.objects.get(action="password_reset").actor == brand.lin_yue.user


def test_an_operator_cannot_reset_an_administrator(client: Client, brand: Brand) -> None:
    login(client, brand.staff["ops1"])
    page = client.get("/staff/").content.decode()
    assert f'href="/staff/{brand.lin_yue.pk}/password/"' not in page
    response = client.post(
        f"/staff/{brand.lin_yue.pk}/password/", {"new_password1": NEW, "new_password2": NEW}
    )
    assert response.status_code == 403
    assert Client().login(username="lin.yue", password=DEMO_PASSWORD)


def test_a_weak_reset_password_is_refused(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    response = client.post(
        f"/staff/{brand.chen_jing.pk}/password/",
        {"new_password1": "chen.jing", "new_password2": "chen.jing"},
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not AuditLog.objects.filter(action="password_reset").exists()


@pytest.mark.parametrize("page", ["abc", "99999999999999999999", "-1"])
def test_staff_list_survives_any_page_parameter(client: Client, brand: Brand, page: str) -> None:
    login(client, brand.lin_yue)
    assert client.get("/staff/", {"page": page, "q": "x" * 500}).status_code == 200


def test_staff_list_queries_do_not_grow_with_the_staff(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/staff/").content.decode()
    assert body.count('/password/">') >= 25  # ~30 demo staff on one page
    assert len(queries) <= 8, [q["sql"] for q in queries]
