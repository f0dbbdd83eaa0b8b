"""Builders shared by tests: a simulator with the demo brand's staff and a client on it."""

from __future__ import annotations

from typing import Any

import httpx

from siyu.integrations.wecom.client.api import WeComClient
from siyu.integrations.wecom.simulator.server import Simulator

CORP_ID = "ww0123456789abcdef"
SECRET = "sim-secret-0123456789"  # noqa: S105 - the simulator's own test corp
CALLBACK_TOKEN = "SimToken"  # noqa: S105 - the simulator's own test corp
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
DEMO_STAFF = ("LinYue", "WangQiang", "ChenJing", "Sales01", "Sales02", "Sales03")


class FakeClock:
    def __init__(self, start: float = 1_760_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_simulator(**kwargs: Any) -> Simulator:
    options: dict[str, Any] = {"callback_token": CALLBACK_TOKEN, "aes_key": AES_KEY}
    options.update(kwargs)
    corp_id = options.pop("corp_id", CORP_ID)
    secret = options.pop("secret", SECRET)
    sim = Simulator(corp_id, secret, **options)
    sim.add_staff(*DEMO_STAFF)
    return sim


def make_client(
    sim: Simulator, *, transport: httpx.BaseTransport | None = None, **kwargs: Any
) -> WeComClient:
    slept: list[float] = kwargs.pop("slept", [])
    return WeComClient(
        sim.corp_id,
        sim.secret,
        base_url="http://wecom.test",
        transport=transport or sim.transport(),
        sleep=slept.append,
        **kwargs,
    )
