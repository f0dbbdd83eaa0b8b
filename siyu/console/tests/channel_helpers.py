"""A simulated WeCom corp served over real HTTP on loopback, wired into the settings the
console reads, for the channel page tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.test.utils import override_settings

from siyu.integrations.wecom.simulator.server import Simulator, start_server
from siyu.integrations.wecom.simulator.testing import make_simulator
from siyu.integrations.wecom.transport import use_transport


@contextmanager
def simulated_wecom() -> Iterator[Simulator]:
    sim = make_simulator()
    server = start_server(sim)
    use_transport(None)  # the network: real HTTP to the loopback server
    try:
        with override_settings(
            SIYU_WECOM_CORP_ID=sim.corp_id,
            SIYU_WECOM_SECRET=sim.secret,
            SIYU_WECOM_API_BASE=server.url,
        ):
            yield sim
    finally:
        server.stop()
