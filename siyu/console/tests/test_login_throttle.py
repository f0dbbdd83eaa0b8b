"""Brute force against the login page: 30 wrong passwords, then the right one."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from siyu.access.tests.clock import MovableClock, install_clock
from siyu.core.models import AuditLog
from siyu.demo.brand import DEMO_PASSWORD, Brand

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> MovableClock:
    return install_clock(monkeypatch)


def attempt(username: str, password: str, address: str = "203.0.113.5") -> Any:
    client = Client(REMOTE_ADDR=address)
    return client.post("/login/", {"username": username, "password": password})


def test_thirty_wrong_passwords_lock_out_the_right_one_until_the_lock_passes(
    brand: Brand, clock: MovableClock
) -> None:
    answers = [attempt("lin.yue", f"guess-{n}") for n in range(30)]
    assert answers[0].status_code == 200
    assert answers[-1].status_code == 429
    locked = attempt("lin.yue", DEMO_PASSWORD)
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 0
    assert "登录失败次数过多" in locked.content.decode()
    assert "_auth_user_id" not in locked.wsgi_request.session

    clock.advance(seconds=int(locked["Retry-After"]) + 1)
    assert attempt("lin.yue", DEMO_PASSWORD).status_code == 302


def test_the_lock_holds_only_that_user_and_that_address(brand: Brand, clock: MovableClock) -> None:
    for n in range(30):
        attempt("lin.yue", f"guess-{n}")
    # Another user from the same office address, and the same user from nowhere new...
    assert attempt("wang.qiang", DEMO_PASSWORD).status_code == 302
    # ...but the locked user is locked from every address.
    assert attempt("lin.yue", DEMO_PASSWORD, address="198.51.100.9").status_code == 429


def test_an_address_that_guesses_many_users_is_locked_for_all_of_them(
    brand: Brand, clock: MovableClock
) -> None:
    for n in range(30):
        attempt(f"user{n}", "guess")
    assert attempt("wang.qiang", DEMO_PASSWORD).status_code == 429
    assert attempt("wang.qiang", DEMO_PASSWORD, address="198.51.100.9").status_code == 302


def test_the_lock_is_audited_and_explained_in_english(brand: Brand, clock: MovableClock) -> None:
    client = Client(REMOTE_ADDR="203.0.113.5")
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    for n in range(6):
        response = client.post("/login/", {"username": "lin.yue", "password": f"guess-{n}"})
    assert "Too many failed log-ins. Try again in 1 minute" in response.content.decode()
    assert AuditLog.objects.filter(action="login_locked", target_id="lin.yue").exists()


def test_a_correct_login_clears_the_users_count(brand: Brand, clock: MovableClock) -> None:
    for n in range(4):
        attempt("lin.yue", f"guess-{n}")
    assert attempt("lin.yue", DEMO_PASSWORD).status_code == 302
    for n in range(4):
        assert attempt("lin.yue", f"again-{n}").status_code == 200
