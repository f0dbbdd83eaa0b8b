"""Properties of the policy layer over random sends, zones and calendars (Hypothesis).

No customer goes over any cap in any calendar day or week of its own zone, nor over
WeCom's budget in any window; quiet-hour sends are deferred to the window's end, never
dropped; transactional sends are exempt; the budget is charged once per sent message and
released on expiry.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siyu.demo.brand import Brand
from siyu.messaging.budget import charge, release
from siyu.messaging.models import (
    COUNTING,
    BudgetRule,
    BudgetState,
    Channel,
    MessagingSettings,
    Priority,
    RecipientZone,
    Send,
    SendStatus,
)
from siyu.messaging.send import Message, SendRequest, send
from siyu.messaging.tests.factories import NOW, make_customer
from siyu.messaging.windows import after_quiet_hours, budget_window, monday, window_days

# With the day's two ends (UTC-12, UTC+14): the budget reads bound the local days they read.
ZONES = ["Asia/Shanghai", "America/New_York", "Europe/London", "Pacific/Auckland", "Asia/Kolkata",
         "Etc/GMT+12", "Pacific/Kiritimati"]  # fmt: skip
CHANNELS = [Channel.WECOM_CUSTOMER, Channel.WEBHOOK, Channel.OA_TEMPLATE]
CAP_REASONS = {"day_cap", "week_cap", "channel_day_cap", "channel_week_cap", "quiet_hours"}

send_plans = st.lists(
    st.tuples(
        # Minutes after NOW (a Tuesday, 10 March): dense days, and the turn of the month.
        st.one_of(st.integers(0, 3 * 1440), st.integers(20 * 1440, 23 * 1440)),
        st.sampled_from(CHANNELS),
        st.sampled_from([Priority.MARKETING, Priority.MARKETING, Priority.TRANSACTIONAL]),
        st.sets(st.integers(min_value=0, max_value=3), min_size=1),
    ),
    min_size=1,
    max_size=24,
)
rules = st.fixed_dictionaries(
    {
        "day_cap": st.integers(min_value=0, max_value=3),
        "week_cap": st.integers(min_value=0, max_value=6),
        "budget_rule": st.sampled_from(BudgetRule.values),
        "channel_caps": st.dictionaries(
            st.sampled_from(CHANNELS),
            st.tuples(st.integers(min_value=0, max_value=2), st.integers(min_value=0, max_value=4)),
            max_size=2,
        ),
    }
)


@pytest.fixture
def people(brand: Brand) -> list[int]:
    return [make_customer(str(i), owner=brand.lin_yue, openid=True).pk for i in range(4)]


def _check_caps(sends: list[Send], zones: dict[int, ZoneInfo], row: MessagingSettings) -> None:
    day: Counter[tuple[int, object]] = Counter()
    week: Counter[tuple[int, object]] = Counter()
    chan_day: Counter[tuple[int, str, object]] = Counter()
    chan_week: Counter[tuple[int, str, object]] = Counter()
    for s in sends:
        assert s.customer_id is not None
        local = s.due_at.astimezone(zones[s.customer_id]).date()
        assert s.local_day == local
        if s.status in COUNTING and s.priority != Priority.TRANSACTIONAL:
            day[s.customer_id, local] += 1
            week[s.customer_id, monday(local)] += 1
            chan_day[s.customer_id, s.channel, local] += 1
            chan_week[s.customer_id, s.channel, monday(local)] += 1
    if row.day_cap:
        assert max(day.values(), default=0) <= row.day_cap
    if row.week_cap:
        assert max(week.values(), default=0) <= row.week_cap
    for (_c, channel, _d), n in chan_day.items():
        cap = row.channel_caps.get(channel, (0, 0))[0]
        assert not cap or n <= cap
    for (_c, channel, _w), n in chan_week.items():
        cap = row.channel_caps.get(channel, (0, 0))[1]
        assert not cap or n <= cap


def _check_budget(sends: list[Send], rule: str) -> None:
    used: Counter[tuple[str, datetime]] = Counter()
    for s in sends:
        if s.budget_state in (BudgetState.RESERVED, BudgetState.CHARGED):
            window, _limit = budget_window(s.due_at, rule)
            assert s.budget_window == window
            used[s.recipient, window] += 1
    for (_key, start), n in used.items():
        assert n <= budget_window(start, rule)[1]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    plans=send_plans, zone_of=st.lists(st.sampled_from(ZONES), min_size=4, max_size=4), caps=rules
)
def test_no_customer_goes_over_any_cap_in_its_own_calendar(
    people: list[int],
    plans: list[tuple[int, str, str, set[int]]],
    zone_of: list[str],
    caps: dict[str, object],
) -> None:
    with transaction.atomic():
        row = MessagingSettings.objects.create(**caps)
        RecipientZone.objects.bulk_create(
            RecipientZone(customer_id=pk, zone=z) for pk, z in zip(people, zone_of, strict=True)
        )
        zones = {pk: ZoneInfo(z) for pk, z in zip(people, zone_of, strict=True)}
        for i, (minutes, channel, priority, who) in enumerate(sorted(plans, key=lambda p: p[0])):
            at = NOW + timedelta(minutes=minutes)
            send(
                SendRequest(
                    source="prop",
                    source_id=str(i),
                    channel=channel,
                    message=Message(text="hi"),
                    customers=[people[k] for k in who],
                    priority=priority,
                    at=at,
                    purpose="" if priority == Priority.TRANSACTIONAL else "marketing",
                )
            )
            rows = list(Send.objects.filter(source_id=str(i)))
            assert len(rows) == len(who)  # every recipient has its decision: none dropped
            for s in rows:
                assert s.customer_id is not None
                assert s.status != SendStatus.BLOCKED or s.reason
                quiet = after_quiet_hours(at, zones[s.customer_id], row.quiet_start, row.quiet_end)
                if priority == Priority.TRANSACTIONAL:
                    assert s.reason not in CAP_REASONS
                    assert s.due_at == at
                elif quiet is not None and s.status != SendStatus.BLOCKED:
                    assert (s.status, s.due_at) == (SendStatus.DEFERRED, quiet)
        sends = list(Send.objects.all())
        _check_caps(sends, zones, row)
        _check_budget(sends, row.budget_rule)
        transaction.set_rollback(True)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(reports=st.lists(st.tuples(st.integers(0, 3), st.booleans()), max_size=12))
def test_the_budget_is_charged_once_per_sent_message_and_released_on_expiry(
    people: list[int], reports: list[tuple[int, bool]]
) -> None:
    with transaction.atomic():
        send(
            SendRequest(
                source="prop",
                source_id="b",
                channel=Channel.WECOM_CUSTOMER,
                message=Message(text="hi"),
                customers=people,
                at=NOW,
            )
        )
        sends = Send.objects.filter(source_id="b")
        assert sends.filter(budget_state=BudgetState.RESERVED).count() == len(people)
        charged: set[int] = set()
        released: set[int] = set()
        for k, sent in reports:  # WeCom may report a result any number of times
            one = sends.filter(customer_id=people[k])
            if sent:
                moved = charge(one)
                assert moved == (0 if people[k] in charged | released else 1)
                if people[k] not in released:
                    charged.add(people[k])
            else:
                release(one)
                if people[k] not in charged:
                    released.add(people[k])
        states = dict(sends.values_list("customer_id", "budget_state"))
        assert {c for c, s in states.items() if s == BudgetState.CHARGED} == charged
        assert {c for c, s in states.items() if s == BudgetState.RELEASED} == released
        transaction.set_rollback(True)


@settings(max_examples=300, deadline=None)
@given(
    minutes=st.integers(0, 3 * 366 * 1440),
    zone=st.sampled_from(ZONES),
    rule=st.sampled_from(BudgetRule.values),
)
def test_a_budgeted_sends_local_day_lies_in_its_windows_days(
    minutes: int, zone: str, rule: str
) -> None:
    """What lets the budget reads use the (recipient, local_day) index: a send counted in
    a window carries a local day inside window_days of it, in every zone."""
    due = datetime(2025, 1, 1, tzinfo=ZoneInfo("UTC")) + timedelta(minutes=minutes)
    start, _limit = budget_window(due, rule)
    first, last = window_days(start, rule)
    assert first <= due.astimezone(ZoneInfo(zone)).date() <= last
