"""How old membership is, in words for the segment pages ("数据更新于 12 秒前").

Membership follows the change feed, so it is as old as the oldest change the segment
consumer has not handled yet (none pending: as fresh as the last poll, half a second).
Before the feed has ever been read the last refresh of the segment is all there is."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from siyu.customers.models import CustomerChange, FeedCursor
from siyu.segments.feed import CONSUMER
from siyu.segments.models import Segment


def membership_age(now: datetime) -> timedelta | None:
    """The age of the oldest change not yet reflected (zero: none), None before the
    feed's first read."""
    cursor = FeedCursor.objects.filter(consumer=CONSUMER).first()
    if cursor is None:
        return None
    pending = (
        CustomerChange.objects.filter(pk__gt=cursor.position_id)
        .order_by("pk")
        .values_list("created_at", flat=True)
        .first()
    )
    return max(timedelta(0), now - pending) if pending is not None else timedelta(0)


def age_words(age: timedelta, now: datetime) -> str:
    seconds = int(age.total_seconds())
    if seconds < 1:
        return _("Data as of just now")
    if seconds < 60:
        return ngettext("Data as of %(n)d second ago", "Data as of %(n)d seconds ago", seconds) % {
            "n": seconds
        }
    return _("Data as of %(age)s ago") % {"age": timesince(now - age, now)}


def membership_freshness(segment: Segment | None = None) -> str:
    now = timezone.now()
    age = membership_age(now)
    if age is None:
        refreshed = segment.refreshed_at if segment is not None else None
        if refreshed is None:
            return _("Members not computed yet")
        age = max(timedelta(0), now - refreshed)
    return age_words(age, now)
