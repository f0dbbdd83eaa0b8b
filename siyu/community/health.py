"""Group health: members, joins and quits per day, the quit rate in the 24 h after each
post, clicks on the materials posted into the group (their links name the group), orders
by members after they joined, and a warning when quits spike after posts (the group is
being over-messaged)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from siyu.community.models import CommunitySettings, GroupPost, PostStatus
from siyu.content.links import group_send_ref
from siyu.content.models import LinkOpen
from siyu.core.clock import brand_zone, local_date
from siyu.customers.models import Order
from siyu.groups.models import ChangeKind, GroupChat, MemberChange

WINDOW = timedelta(hours=24)
MAX_DAYS = 90


@dataclass(frozen=True)
class PostEffect:
    post_id: int
    kind: str
    text: str
    at: datetime
    quits: int
    quit_permille: int
    spike: bool


@dataclass(frozen=True)
class Health:
    members: int
    days: list[date]
    joins: list[int]
    quits: list[int]
    posts: list[PostEffect]
    orders: int
    order_fen: int
    posts_per_day_ceiling: int
    clicks: int = 0

    @property
    def spikes(self) -> list[PostEffect]:
        return [p for p in self.posts if p.spike]


def _per_day(chat: GroupChat, first: date, days: int) -> tuple[list[int], list[int]]:
    start = datetime.combine(first, time.min, tzinfo=brand_zone())
    joins: Counter[date] = Counter()
    quits: Counter[date] = Counter()
    rows = MemberChange.objects.filter(chat=chat, occurred_at__gte=start).values_list(
        "kind", "occurred_at"
    )
    for kind, at in rows.iterator():
        (joins if kind == ChangeKind.JOIN else quits)[local_date(at)] += 1
    span = [first + timedelta(days=n) for n in range(days)]
    return [joins[d] for d in span], [quits[d] for d in span]


def _post_effects(chat: GroupChat, since: datetime, now: datetime, spike: int) -> list[PostEffect]:
    posts = list(
        GroupPost.objects.filter(
            chat=chat, status=PostStatus.PLANNED, scheduled_at__gte=since, scheduled_at__lte=now
        ).order_by("scheduled_at")[:200]
    )
    members = max(chat.member_count, 1)
    effects = []
    for post in posts:
        quits = MemberChange.objects.filter(
            chat=chat,
            kind=ChangeKind.QUIT,
            occurred_at__gte=post.scheduled_at,
            occurred_at__lt=post.scheduled_at + WINDOW,
        ).count()
        # Quits over the members there were before them (those still here plus the quits).
        permille = quits * 1000 // (members + quits)
        effects.append(
            PostEffect(
                post.pk, post.get_kind_display(), post.text[:60], post.scheduled_at, quits,
                permille, spike=bool(spike) and permille >= spike,
            )
        )  # fmt: skip
    return effects


def _orders(chat: GroupChat, since: datetime) -> tuple[int, int]:
    """Paid orders by current members, placed after they joined and within the window."""
    qualifying = Order.objects.filter(
        Q(customer__group_members__chat=chat)
        & Q(customer__group_members__left_at__isnull=True)
        & Q(paid_at__gte=since)
        & (
            Q(customer__group_members__joined_at__isnull=True)
            | Q(paid_at__gte=F("customer__group_members__joined_at"))
        )
    ).values("pk")
    totals = Order.objects.filter(pk__in=qualifying).aggregate(n=Count("pk"), fen=Sum("paid_fen"))
    return int(totals["n"] or 0), int(totals["fen"] or 0)


def _clicks(chat: GroupChat, since: datetime) -> int:
    """Opens of links posted into this group (``group_send_ref``), by anyone."""
    return LinkOpen.objects.filter(
        viewer__link__send_ref__startswith=group_send_ref(chat.chat_id, ""), opened_at__gte=since
    ).count()


def group_health(chat: GroupChat, *, days: int = 14, now: datetime | None = None) -> Health:
    now = now or timezone.now()
    days = max(1, min(days, MAX_DAYS))
    settings = CommunitySettings.current()
    first = local_date(now) - timedelta(days=days - 1)
    joins, quits = _per_day(chat, first, days)
    since = now - timedelta(days=days)
    orders, fen = _orders(chat, since)
    return Health(
        members=chat.member_count,
        days=[first + timedelta(days=n) for n in range(days)],
        joins=joins,
        quits=quits,
        posts=_post_effects(chat, since, now, settings.quit_spike_permille),
        orders=orders,
        order_fen=fen,
        posts_per_day_ceiling=settings.posts_per_day,
        clicks=_clicks(chat, since),
    )
