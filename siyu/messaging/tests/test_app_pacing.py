"""App messages to one staff member keep to 30 in any 60 seconds, not only per clock minute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from siyu.demo.brand import Brand
from siyu.messaging.delivery import APP_PER_MINUTE, _rate_room
from siyu.messaging.models import Channel, Send

pytestmark = pytest.mark.django_db


def test_a_burst_at_the_end_of_a_minute_holds_the_next_one_back(brand: Brand) -> None:
    notice = Send(channel=Channel.WECOM_APP, staff_id=brand.lin_yue.pk)
    late = datetime(2026, 12, 1, 4, 0, 59, tzinfo=UTC)
    assert all(_rate_room(notice, late) is None for _ in range(APP_PER_MINUTE))
    assert _rate_room(notice, late) == datetime(2026, 12, 1, 4, 1, tzinfo=UTC)
    # Two seconds later a new clock minute has begun, but the last 60 seconds hold 30.
    early = late + timedelta(seconds=2)
    assert _rate_room(notice, early) == datetime(2026, 12, 1, 4, 2, tzinfo=UTC)
    # A minute after the burst's minute the room is back.
    assert _rate_room(notice, datetime(2026, 12, 1, 4, 2, 1, tzinfo=UTC)) is None


def test_what_a_quiet_minute_left_is_usable_at_once(brand: Brand) -> None:
    notice = Send(channel=Channel.WECOM_APP, staff_id=brand.lin_yue.pk)
    first = datetime(2026, 12, 1, 4, 0, 10, tzinfo=UTC)
    for _ in range(10):
        assert _rate_room(notice, first) is None
    then = first + timedelta(seconds=60)
    allowed = sum(_rate_room(notice, then) is None for _ in range(APP_PER_MINUTE))
    assert allowed == APP_PER_MINUTE - 10
    other = Send(channel=Channel.WECOM_APP, staff_id=brand.chen_jing.pk)
    assert _rate_room(other, then) is None  # counted per member
