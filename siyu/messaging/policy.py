"""The policy layer: one decision per recipient, in a fixed order, with its reason.

1. consent for the purpose (read per send: a withdrawal stops the next send at once);
2. unsubscribed / deleted contact (no WeCom follower left, no official-account openid,
   a merged-away profile, a dissolved group);
3. frequency caps per calendar day and week in the recipient's zone, across channels and
   per channel (transactional messages are exempt and not counted);
4. WeCom's platform budget (mass messages per customer or group per month / week / day);
5. quiet hours in the recipient's zone: deferred to the window's end, never dropped;
6. per-staff daily limits.

Everything a decision needs is fetched for a chunk of recipients at once (``Ledger``) and
decided in memory, so planning costs a few queries per thousand recipients, not per one.
The caller holds the recipients' row locks while it decides and writes (``send.py``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from siyu.core.clock import local_date
from siyu.messaging.models import (
    BUDGETED,
    COUNTING,
    TO_CUSTOMERS,
    BudgetState,
    Channel,
    MessagingSettings,
    Priority,
    Reason,
    SendStatus,
)
from siyu.messaging.rows import send_rows
from siyu.messaging.staffcap import staff_used
from siyu.messaging.windows import after_quiet_hours, budget_window, monday, window_days

# Sent by a staff member to customers or groups (the per-staff daily limit counts them).
STAFF_SENT = (Channel.WECOM_CUSTOMER, Channel.WECOM_GROUP)
# Reach customers' phones: quiet hours apply (staff notices and moments posts do not).
QUIET_FOR = (*TO_CUSTOMERS, Channel.WECOM_GROUP)


@dataclass(frozen=True)
class Rules:
    day_cap: int
    week_cap: int
    channel_caps: dict[str, tuple[int, int]]
    quiet_start: time
    quiet_end: time
    staff_daily_limit: int
    budget_rule: str
    task_expiry_hours: int = 72
    remind_after_hours: int = 4

    @classmethod
    def current(cls) -> Rules:
        row = MessagingSettings.objects.order_by("pk").first() or MessagingSettings()
        caps = {str(k): (int(v[0]), int(v[1])) for k, v in (row.channel_caps or {}).items()}
        return cls(
            day_cap=row.day_cap,
            week_cap=row.week_cap,
            channel_caps=caps,
            quiet_start=row.quiet_start,
            quiet_end=row.quiet_end,
            staff_daily_limit=row.staff_daily_limit,
            budget_rule=row.budget_rule,
            task_expiry_hours=row.task_expiry_hours,
            remind_after_hours=row.remind_after_hours,
        )


# Tuples, not dataclasses: a plan builds one Candidate per recipient and a frozen
# dataclass costs several times a tuple to create.
class Candidate(NamedTuple):
    key: str
    zone: ZoneInfo
    consent: bool = True
    reachable: bool = True
    customer_id: int | None = None
    chat_id: str = ""
    staff_id: int | None = None


class Decision(NamedTuple):
    status: str
    reason: str
    due_at: datetime
    local_day: date
    budget_window: datetime | None

    @property
    def counts(self) -> bool:
        return self.status in COUNTING


@dataclass
class Ledger:
    """What the recipients of a chunk have already used, kept current as it decides."""

    day: Counter[tuple[str, date]] = field(default_factory=Counter)
    weekly: Counter[tuple[str, date]] = field(default_factory=Counter)  # by Monday
    channel_day: Counter[tuple[str, str, date]] = field(default_factory=Counter)
    channel_weekly: Counter[tuple[str, str, date]] = field(default_factory=Counter)
    budget: Counter[tuple[str, datetime]] = field(default_factory=Counter)
    staff: Counter[tuple[int, date]] = field(default_factory=Counter)
    # Recipients with any usage or budget held: the others pass caps and budget unread.
    used: set[str] = field(default_factory=set)

    def add(self, key: str, channel: str, day: date, n: int = 1) -> None:
        first = monday(day)
        self.used.add(key)
        self.day[key, day] += n
        self.weekly[key, first] += n
        self.channel_day[key, channel, day] += n
        self.channel_weekly[key, channel, first] += n


def load_usage(ledger: Ledger, keys: list[str], first: date, last: date) -> None:
    """Counting sends of these recipients between two local dates (a week either side)."""
    rows = send_rows(
        keys,
        ("channel", "local_day"),
        {
            "local_day__range": (monday(first), last + timedelta(days=7)),
            "status": list(COUNTING),
            "priority__ne": Priority.TRANSACTIONAL,
        },
    )
    for (key, channel, day), n in Counter(rows).items():
        ledger.add(key, channel, _day(day), n)


def load_budget(ledger: Ledger, keys: list[str], windows: Iterable[datetime], rule: str) -> None:
    starts = sorted(windows)
    days = [window_days(start, rule) for start in starts]
    rows = send_rows(
        keys,
        ("budget_window",),
        {
            "local_day__range": (min(d[0] for d in days), max(d[1] for d in days)),
            "budget_window": starts,
            "budget_state": [BudgetState.RESERVED, BudgetState.CHARGED],
        },
    )
    for (key, window), n in Counter(rows).items():
        ledger.budget[key, _instant(window)] += n
        ledger.used.add(key)


def _day(value: date | str) -> date:
    """A raw read's date (SQLite may return text)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def _instant(value: datetime | str) -> datetime:
    """A raw read's instant: SQLite returns it naive (UTC) or as text."""
    at = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def load_staff(ledger: Ledger, staff_ids: Iterable[int], at: datetime) -> None:
    """What each sender was given on the brand day of ``at``, from the durable counter
    (staffcap.py); the plan's writes take from that row, this only pre-sorts."""
    day = local_date(at)
    for staff_id, n in staff_used(staff_ids, day).items():
        ledger.staff[staff_id, day] += n


@dataclass(frozen=True)
class Context:
    channel: str
    priority: str
    at: datetime
    rules: Rules
    check_consent: bool

    @property
    def staff_limited(self) -> bool:
        return self.channel in STAFF_SENT

    @property
    def capped(self) -> bool:
        return self.priority != Priority.TRANSACTIONAL and self.channel in TO_CUSTOMERS


def delivery_time(c: Candidate, ctx: Context) -> datetime | None:
    """When quiet hours end, if the send falls in them (None: it may go now)."""
    if ctx.priority == Priority.TRANSACTIONAL or ctx.channel not in QUIET_FOR:
        return None
    return after_quiet_hours(ctx.at, c.zone, ctx.rules.quiet_start, ctx.rules.quiet_end)


def _cap_reason(c: Candidate, ctx: Context, ledger: Ledger, day: date) -> str:
    rules = ctx.rules
    if rules.day_cap and ledger.day[c.key, day] >= rules.day_cap:
        return Reason.DAY_CAP
    if rules.week_cap and ledger.weekly[c.key, monday(day)] >= rules.week_cap:
        return Reason.WEEK_CAP
    day_cap, week_cap = rules.channel_caps.get(ctx.channel, (0, 0))
    if day_cap and ledger.channel_day[c.key, ctx.channel, day] >= day_cap:
        return Reason.CHANNEL_DAY_CAP
    if week_cap and ledger.channel_weekly[c.key, ctx.channel, monday(day)] >= week_cap:
        return Reason.CHANNEL_WEEK_CAP
    return ""


def _blocked(
    c: Candidate, ctx: Context, ledger: Ledger, day: date, window: datetime | None, limit: int
) -> str:
    """The first rule (in the fixed order, before quiet hours) that blocks the send."""
    if not c.consent:
        return Reason.NO_CONSENT
    if not c.reachable:
        return Reason.NOT_REACHABLE
    if ctx.capped and (reason := _cap_reason(c, ctx, ledger, day)):
        return reason
    if window is not None and ledger.budget[c.key, window] >= limit:
        return Reason.WECOM_BUDGET
    return ""


def _over_staff_limit(c: Candidate, ctx: Context, ledger: Ledger, brand_day: date) -> bool:
    limit = ctx.rules.staff_daily_limit
    if not (ctx.staff_limited and c.staff_id is not None and limit):
        return False
    return ledger.staff[c.staff_id, brand_day] >= limit


@dataclass(frozen=True)
class Timing:
    """When a send of ``ctx`` may go out in one zone: the same for all its recipients."""

    deferred_to: datetime | None
    due: datetime
    day: date
    window: datetime | None
    window_limit: int = 0


def timing_for(zone: ZoneInfo, ctx: Context) -> Timing:
    deferred_to = delivery_time(Candidate(key="", zone=zone), ctx)
    due = deferred_to or ctx.at
    window, limit = budget_window(due, ctx.rules.budget_rule)
    if ctx.channel not in BUDGETED:
        return Timing(deferred_to, due, due.astimezone(zone).date(), None)
    return Timing(deferred_to, due, due.astimezone(zone).date(), window, limit)


def decide(
    c: Candidate, ctx: Context, ledger: Ledger, brand_day: date, timing: Timing | None = None
) -> Decision:
    t = timing or timing_for(c.zone, ctx)
    deferred_to, due, day, window = t.deferred_to, t.due, t.day, t.window
    reason = _blocked(c, ctx, ledger, day, window, t.window_limit)
    status = SendStatus.BLOCKED if reason else SendStatus.QUEUED
    if not reason and _over_staff_limit(c, ctx, ledger, brand_day):
        status, reason = SendStatus.BLOCKED, Reason.STAFF_LIMIT
    if status == SendStatus.QUEUED and deferred_to is not None:
        status, reason = SendStatus.DEFERRED, Reason.QUIET_HOURS
    decision = Decision(status, reason, due, day, window if status != SendStatus.BLOCKED else None)
    if decision.counts:
        _count(c, ctx, ledger, decision, brand_day)
    return decision


def _count(c: Candidate, ctx: Context, ledger: Ledger, d: Decision, brand_day: date) -> None:
    if ctx.capped:
        ledger.add(c.key, ctx.channel, d.local_day)
    if d.budget_window is not None:
        ledger.budget[c.key, d.budget_window] += 1
        ledger.used.add(c.key)
    if ctx.staff_limited and c.staff_id is not None:
        ledger.staff[c.staff_id, brand_day] += 1


class Decider:
    """``decide`` for a chunk at a time. A recipient with nothing used (no send counted
    in its days and weeks, no budget held: most of a mass send) passes caps and budget
    by construction, so only consent, reachability, the staff limit and quiet hours are
    left to check; equal outcomes share one Decision. Others go through ``decide``."""

    def __init__(self, ctx: Context, brand_day: date) -> None:
        self.ctx, self.brand_day = ctx, brand_day
        self.timings: dict[ZoneInfo, Timing] = {}
        self.shared: dict[tuple[ZoneInfo, str, str], Decision] = {}

    def _timing(self, zone: ZoneInfo) -> Timing:
        timing = self.timings.get(zone)
        if timing is None:
            timing = self.timings[zone] = timing_for(zone, self.ctx)
        return timing

    def _shared(self, zone: ZoneInfo, status: str, reason: str) -> Decision:
        d = self.shared.get((zone, status, reason))
        if d is None:
            t = self._timing(zone)
            window = t.window if status != SendStatus.BLOCKED else None
            d = self.shared[zone, status, reason] = Decision(status, reason, t.due, t.day, window)
        return d

    def _fresh(self, c: Candidate, staff: Counter[tuple[int, date]]) -> Decision:
        if not c.consent:
            return self._shared(c.zone, SendStatus.BLOCKED, Reason.NO_CONSENT)
        if not c.reachable:
            return self._shared(c.zone, SendStatus.BLOCKED, Reason.NOT_REACHABLE)
        limit, ctx = self.ctx.rules.staff_daily_limit, self.ctx
        if ctx.staff_limited and c.staff_id is not None and limit:
            if staff[c.staff_id, self.brand_day] >= limit:
                return self._shared(c.zone, SendStatus.BLOCKED, Reason.STAFF_LIMIT)
            staff[c.staff_id, self.brand_day] += 1
        if self._timing(c.zone).deferred_to is not None:
            return self._shared(c.zone, SendStatus.DEFERRED, Reason.QUIET_HOURS)
        return self._shared(c.zone, SendStatus.QUEUED, "")

    def decide(self, cands: list[Candidate], ledger: Ledger) -> list[Decision]:
        out = []
        used = ledger.used
        for c in cands:
            if c.key in used:
                out.append(decide(c, self.ctx, ledger, self.brand_day, self._timing(c.zone)))
            else:  # a key comes once in a plan (send_once): no need to note it as used
                out.append(self._fresh(c, ledger.staff))
        return out
