"""Password verbs: who may reset whose, the audit trail, and the login lock they end."""

from __future__ import annotations

import pytest

from siyu.access.passwords import change_own_password, may_reset_password, reset_staff_password
from siyu.access.tests.clock import install_clock
from siyu.access.throttle import locked_until, record_login_failure
from siyu.core.models import AuditLog
from siyu.demo.brand import Brand

pytestmark = pytest.mark.django_db


def test_an_admin_may_reset_anyone_but_themselves(brand: Brand) -> None:
    admin = brand.lin_yue
    assert may_reset_password(admin, brand.staff["ops1"])
    assert may_reset_password(admin, brand.chen_jing)
    assert not may_reset_password(admin, admin)


def test_an_operator_may_not_reset_an_administrator(brand: Brand) -> None:
    operator = brand.staff["ops1"]
    assert may_reset_password(operator, brand.wang_qiang)
    assert not may_reset_password(operator, brand.lin_yue)


def test_store_staff_may_reset_nobody(brand: Brand) -> None:
    assert not may_reset_password(brand.wang_qiang, brand.chen_jing)
    assert not may_reset_password(brand.chen_jing, brand.wang_qiang)


def test_a_reset_is_audited_sets_the_password_and_ends_the_lock(
    brand: Brand, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_clock(monkeypatch)
    for n in range(6):
        record_login_failure("chen.jing", f"10.1.0.{n}")
    assert locked_until("chen.jing", "10.2.0.1") is not None
    reset_staff_password(brand.lin_yue, brand.chen_jing, "new-shop-floor-42")
    brand.chen_jing.user.refresh_from_db()
    assert brand.chen_jing.user.check_password("new-shop-floor-42")
    assert locked_until("chen.jing", "10.2.0.1") is None
    entry = AuditLog.objects.get(action="password_reset")
    assert entry.actor == brand.lin_yue.user
    assert entry.target_id == str(brand.chen_jing.pk)
    assert "new-shop-floor-42" not in str(entry.detail)


def test_a_refused_reset_changes_nothing(brand: Brand) -> None:
    with pytest.raises(PermissionError):
        reset_staff_password(brand.staff["ops1"], brand.lin_yue, "new-shop-floor-42")
    brand.lin_yue.user.refresh_from_db()
    assert not brand.lin_yue.user.check_password("new-shop-floor-42")
    assert not AuditLog.objects.filter(action="password_reset").exists()


def test_changing_ones_own_password_is_audited(brand: Brand) -> None:
    change_own_password(brand.chen_jing.user, "another-good-one-7")
    assert AuditLog.objects.filter(action="password_changed", actor=brand.chen_jing.user).exists()
