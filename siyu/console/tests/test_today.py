"""The first screen (今日): today's new customers by channel, welcomes and their latency,
orders and GMV against the compared period, alerts; scoped per role, a fixed number of
queries, a live fragment for htmx, and old list links still reaching the list."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from siyu.analytics.gmv import gmv_change
from siyu.analytics.periods import Compare, local_midnight, today_local
from siyu.analytics.tests.factories import customer, follow
from siyu.channels.models import WelcomeSend, WelcomeStatus
from siyu.console import today
from siyu.console.tests.factories import login
from siyu.console.today import day_change, today_period
from siyu.customers.models import Customer, ReviewFlag, ReviewKind
from siyu.customers.orders import OrderInput, import_order
from siyu.customers.scope import visible_customers
from siyu.demo.brand import Brand
from siyu.integrations.wecom.models import CallbackInbox, InboxStatus

pytestmark = pytest.mark.django_db
_seq = count(1)
JINGAN = "上海静安店"


def this_morning() -> datetime:
    """A moment surely inside today (brand zone) and not in the future."""
    return local_midnight(today_local()) + timedelta(seconds=1)


def welcome(c: Customer, latency_s: float | None, status: str = WelcomeStatus.SENT) -> None:
    at = this_morning()
    WelcomeSend.objects.create(
        welcome_code=f"wc{next(_seq)}",
        customer=c,
        status=status,
        event_at=at,
        sent_at=at + timedelta(seconds=latency_s) if latency_s is not None else None,
    )


def paid_today(c: Customer, yuan: int) -> None:
    import_order(
        c,
        OrderInput(
            platform="miniprogram",
            order_no=f"D{next(_seq)}",
            paid_at=this_morning(),
            total_fen=yuan * 100,
            paid_fen=yuan * 100,
        ),
    )


@pytest.fixture
def day(brand: Brand) -> dict[str, Customer]:
    jingan = brand.stores[JINGAN]
    other = next(s for name, s in brand.stores.items() if name != JINGAN)
    today = today_local()
    people = {
        "甲": customer("甲", today, channel="抖音", unit=jingan),
        "乙": customer("乙", today, channel="抖音", unit=other),
        "丙": customer("丙", today, channel="包裹卡", unit=jingan),
        "老": customer("老", today - timedelta(days=40), channel="包裹卡", unit=jingan),
    }
    # upsert at "noon" of the day: move acquisition to this morning so it is not future.
    Customer.objects.filter(pk__in=[people[k].pk for k in "甲乙丙"]).update(
        first_seen_at=this_morning()
    )
    follow(people["甲"], brand.chen_jing, today)
    welcome(people["甲"], 2.0)
    welcome(people["乙"], 30.0)
    welcome(people["丙"], None, WelcomeStatus.FAILED)
    paid_today(people["甲"], 88)
    paid_today(people["老"], 12)
    paid_today(people["乙"], 100)
    ReviewFlag.objects.create(
        kind=ReviewKind.values[0], customer=people["乙"], created_at=timezone.now()
    )
    CallbackInbox.objects.create(
        corp_id="c",
        idempotency_key="k1",
        ordering_key="o",
        payload="{}",
        status=InboxStatus.FAILED,
        received_at=timezone.now(),
    )
    return people


def test_hq_sees_the_brands_day(client: Client, brand: Brand, day: dict[str, Customer]) -> None:
    login(client, brand.lin_yue)
    response = client.get("/")
    assert response.status_code == 200
    d = response.context["day"]
    assert {(c.channel, c.customers) for c in d.new_by_channel} == {("抖音", 2), ("包裹卡", 1)}
    assert d.new_customers == 3
    assert (d.welcomes.sent, d.welcomes.failed, d.welcomes.total) == (2, 1, 3)
    assert d.welcomes.median_s == 16.0
    assert d.welcomes.within_window == 1
    assert (d.change.after.orders, d.change.after.gmv_fen) == (3, 20000)
    assert d.alerts.review_flags == 1
    assert d.alerts.parked_callbacks == 1
    assert d.alerts.failed_welcomes == 1
    body = response.content.decode()
    assert "/analytics/gmv/?from=" in body  # each figure links to the page explaining it
    assert "/review/" in body
    assert 'hx-get="/today/live/' in body
    assert 'id="slot-tasks"' in body  # empty slots, no fake numbers


def test_store_manager_sees_his_stores_day(
    client: Client, brand: Brand, day: dict[str, Customer]
) -> None:
    login(client, brand.wang_qiang)
    d = client.get("/").context["day"]
    assert {(c.channel, c.customers) for c in d.new_by_channel} == {("抖音", 1), ("包裹卡", 1)}
    assert (d.welcomes.sent, d.welcomes.failed) == (1, 1)
    assert (d.change.after.orders, d.change.after.gmv_fen) == (2, 10000)
    assert d.alerts.review_flags is None  # brand-wide queues are HQ's


def test_sales_rep_sees_her_customers_day(
    client: Client, brand: Brand, day: dict[str, Customer]
) -> None:
    login(client, brand.chen_jing)
    d = client.get("/").context["day"]
    assert [(c.channel, c.customers) for c in d.new_by_channel] == [("抖音", 1)]
    assert (d.welcomes.sent, d.welcomes.failed, d.welcomes.median_s) == (1, 0, 2.0)
    assert (d.change.after.orders, d.change.after.gmv_fen) == (1, 8800)
    assert d.alerts.parked_callbacks is None


@pytest.mark.parametrize(("who", "limit"), [("lin_yue", 16), ("chen_jing", 12)])
def test_first_screen_runs_a_fixed_number_of_queries(
    client: Client,
    brand: Brand,
    day: dict[str, Customer],
    django_assert_max_num_queries: DjangoAssertNumQueries,
    who: str,
    limit: int,
) -> None:
    login(client, getattr(brand, who))
    with django_assert_max_num_queries(limit):
        assert client.get("/").status_code == 200
    for n in range(10):
        c = customer(f"新{n}", today_local(), channel=f"渠道{n}", unit=brand.stores[JINGAN])
        follow(c, brand.chen_jing, today_local())
        welcome(c, 1.0)
        paid_today(c, 10)
    with django_assert_max_num_queries(limit):
        assert client.get("/").status_code == 200
    with django_assert_max_num_queries(limit):
        assert client.get("/today/live/", headers={"HX-Request": "true"}).status_code == 200


def test_the_live_fragment_is_only_the_changing_part(
    client: Client, brand: Brand, day: dict[str, Customer]
) -> None:
    login(client, brand.lin_yue)
    body = client.get("/today/live/?compare=year").content.decode()
    assert body.lstrip().startswith('<div id="today-live"')
    assert "<html" not in body
    assert "compare=year" in body  # the next poll keeps the chosen comparison


def test_a_bad_compare_is_a_translated_400(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    for url in ("/?compare=week", "/today/live/?compare=x" * 3):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 400


def test_old_list_links_on_the_root_reach_the_customer_list(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    response = client.get("/?q=张敏&tag=3")
    assert response.status_code == 302
    assert response["Location"] == "/customers/?q=%E5%BC%A0%E6%95%8F&tag=3"


def test_an_empty_day_says_so_instead_of_showing_zeros_as_a_chart(
    client: Client, brand: Brand
) -> None:
    login(client, brand.lin_yue)
    body = client.get("/").content.decode()
    assert 'class="chart empty"' in body
    assert "今天还没有" in body


def test_the_first_screen_is_complete_in_english(
    client: Client, brand: Brand, day: dict[str, Customer]
) -> None:
    login(client, brand.lin_yue)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get("/").content.decode()
    for words in ("Today", "New customers today by channel", "Median latency", "Tasks due"):
        assert words in body
    main = body.split("<main>")[1]
    # Only data (customer and channel names) may be Chinese on the English page.
    leftovers = {ch for ch in main if "\u4e00" <= ch <= "\u9fff"} - set("抖音包裹卡")
    assert leftovers == set()


@pytest.mark.parametrize("who", ["lin_yue", "wang_qiang", "chen_jing"])
@pytest.mark.parametrize("compare", ["previous", "month", "year"])
def test_the_days_gmv_split_is_the_analytics_one(
    brand: Brand, day: dict[str, Customer], compare: Compare, who: str
) -> None:
    """One definition: the first screen's figures (rows of the day scoped per row, users
    counted in two ranges) equal the GMV tree's over the role's scope for the same dates."""
    user = getattr(brand, who).user
    period = today_period()
    base = period.compared(compare)
    expected = gmv_change(visible_customers(user), period, base)
    assert day_change(user, period, base) == expected
    assert expected.after.orders > 0


def test_the_days_new_customers_and_welcomes_are_the_plain_querys(
    brand: Brand, day: dict[str, Customer]
) -> None:
    """Per role, the row-driven counts equal the plain query over ``visible_customers``."""
    period = today_period()
    for staff in (brand.lin_yue, brand.wang_qiang, brand.chen_jing):
        scope = visible_customers(staff.user)
        acquired = scope.filter(first_seen_at__gte=period.start_at, first_seen_at__lt=period.end_at)
        assert today.new_by_channel(staff.user, period) == today.channel_counts(acquired)
        sends = WelcomeSend.objects.filter(customer__in=scope)
        assert today.welcomes(staff.user, period).total == sends.count()


def test_the_count_before_today_is_kept_a_minute_and_todays_arrivals_stay_live(
    brand: Brand,
) -> None:
    rep, staff = brand.chen_jing.user, brand.chen_jing
    old = customer("老客", today_local() - timedelta(days=40))
    follow(old, staff, today_local() - timedelta(days=40))
    period = today_period()
    base = period.compared("previous")
    assert today.users_at(rep, base.end_at, period.end_at) == (1, 1)
    # A second old customer joins her follows: the kept count does not walk them again …
    later = customer("另一位老客", today_local() - timedelta(days=30))
    follow(later, staff, today_local())
    # … but a customer acquired today is counted at once.
    new = customer("今天的", today_local())
    follow(new, staff, today_local())
    assert today.users_at(rep, base.end_at, period.end_at) == (1, 2)
    from django.core.cache import cache

    cache.clear()  # after the minute
    assert today.users_at(rep, base.end_at, period.end_at) == (2, 3)
