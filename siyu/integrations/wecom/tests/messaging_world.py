"""A simulated corp over real HTTP with customers followed by the demo brand's staff."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import time as clock_time

from django.test.utils import override_settings
from django.utils import timezone

from siyu.core.models import Staff
from siyu.customers.models import Customer
from siyu.integrations.wecom.simulator.server import Simulator, start_server
from siyu.integrations.wecom.simulator.testing import FakeClock, make_simulator
from siyu.integrations.wecom.tests.conftest import CORP_ID
from siyu.integrations.wecom.transport import use_transport
from siyu.messaging.models import MessagingSettings
from siyu.messaging.tests.factories import make_customer


@contextmanager
def served() -> Iterator[tuple[Simulator, FakeClock]]:
    """The simulator on a loopback port; Siyu's WeCom client reaches it over HTTP."""
    clock = FakeClock(start=time.time())
    sim = make_simulator(corp_id=CORP_ID, clock=clock)
    server = start_server(sim)
    use_transport(None)
    try:
        with override_settings(SIYU_WECOM_SECRET=sim.secret, SIYU_WECOM_API_BASE=server.url):
            yield sim, clock
    finally:
        server.stop()


def no_quiet_hours(**fields: int | str) -> None:
    """The tests run at any hour: quiet hours are tested in siyu/messaging/tests."""
    MessagingSettings.objects.create(
        quiet_start=clock_time(0),
        quiet_end=clock_time(0),
        **fields,
    )


def followed_by(staff: Staff, n: int, *, consent: bool | None = True) -> list[Customer]:
    at = timezone.now()
    return [
        make_customer(f"{staff.wecom_userid}-{i}", owner=staff, at=at, consent=consent)
        for i in range(n)
    ]
