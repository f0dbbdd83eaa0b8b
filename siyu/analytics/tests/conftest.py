from __future__ import annotations

from datetime import date

import pytest
from pytest_django.fixtures import Settings

from siyu.analytics.tests.factories import customer, event, follow, order
from siyu.customers.models import Customer
from siyu.demo.brand import JINGAN, Brand


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    """The demo brand creates ~30 staff logins; the production hasher makes that seconds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def shop(brand: Brand) -> dict[str, Customer]:
    """Three customers whose numbers are worked out by hand in the tests.

    A: acquired 2025-01-10 via 抖音 at 静安; orders Feb 5 ¥100, Mar 3 ¥200, Mar 20 ¥100 (¥50
       refunded); messages sent Mar 3 (×2), opened and clicked Mar 4.
    B: acquired 2025-02-15 via 小红书 at 北京朝阳; order Mar 10 ¥300; deletes WeCom Mar 12.
    C: acquired 2025-03-05 via 抖音 at 静安; never orders.
    """
    jingan, chaoyang = brand.stores[JINGAN], brand.stores["北京朝阳店"]
    a = customer("甲", date(2025, 1, 10), channel="抖音", unit=jingan)
    b = customer("乙", date(2025, 2, 15), channel="小红书", unit=chaoyang)
    c = customer("丙", date(2025, 3, 5), channel="抖音", unit=jingan)
    order(a, date(2025, 2, 5), 100)
    order(a, date(2025, 3, 3), 200)
    order(a, date(2025, 3, 20), 100, refund_yuan=50)
    order(b, date(2025, 3, 10), 300)
    for kind, day in [
        ("message_sent", date(2025, 3, 3)),
        ("message_sent", date(2025, 3, 3)),
        ("message_opened", date(2025, 3, 4)),
        ("message_clicked", date(2025, 3, 4)),
    ]:
        event(a, kind, day)
    event(b, "wecom_contact_deleted", date(2025, 3, 12))
    follow(a, brand.chen_jing, date(2025, 2, 1))
    follow(b, brand.staff["sales09"], date(2025, 2, 1))  # 北京朝阳店, B's store
    return {"A": a, "B": b, "C": c}
