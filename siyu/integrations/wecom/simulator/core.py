"""Request handling common to every simulated endpoint: tokens, limits, scripted faults.

Speaks WeCom's conventions: HTTP 200 with ``{"errcode": …, "errmsg": …}`` for every
outcome, access_token in the query string, tokens valid 7,200 s and revocable early,
45009 when an API is called too often in a minute.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

from siyu.integrations.wecom.simulator.state import TOKEN_LIFETIME, Json, World, new_id

ERRMSG = {
    0: "ok",
    -1: "system busy",
    40001: "invalid secret",
    40013: "invalid corpid",
    40014: "invalid access_token",
    41001: "access_token missing",
    42001: "access_token expired",
    45009: "api freq out of limit",
    45033: "api concurrent out of limit",
    48002: "api forbidden",
    60020: "not allow to access from your ip",
    41051: "customer already chatted or welcomed",
    41096: "welcome msg is being sent by another app",
    40058: "invalid parameter",
    40098: "invalid userid",
    84061: "not external contact",
}


class SimError(Exception):
    def __init__(self, errcode: int, errmsg: str = "") -> None:
        self.errcode = errcode
        self.errmsg = errmsg or ERRMSG.get(errcode, "error")
        super().__init__(f"{errcode} {self.errmsg}")


def reply(errcode: int = 0, errmsg: str = "", **data: Any) -> Json:
    return {"errcode": errcode, "errmsg": errmsg or ERRMSG.get(errcode, "error"), **data}


Handler = Callable[[dict[str, str], Json], Json]


class SimCore:
    def __init__(
        self,
        corp_id: str,
        secret: str,
        *,
        clock: Callable[[], float] = time.time,
        per_minute_limit: int = 10_000,
        trusted_ips: set[str] | None = None,
    ) -> None:
        self.corp_id = corp_id
        self.secret = secret
        self.clock = clock
        self.per_minute_limit = per_minute_limit
        self.trusted_ips = trusted_ips
        self.lock = threading.RLock()
        self.world = World()
        self.tokens: dict[str, float] = {}
        self.gettoken_calls = 0
        self.calls: list[tuple[str, int]] = []
        self.forbidden: set[str] = set()  # paths answering 48002
        self._faults: dict[str, deque[int]] = defaultdict(deque)
        self._recent: dict[str, deque[float]] = defaultdict(deque)
        self.routes: dict[str, Handler] = {}

    # -- test controls ------------------------------------------------------------------
    def inject(self, path: str, *errcodes: int) -> None:
        """The next calls to ``path`` answer these errcodes, in order."""
        with self.lock:
            self._faults[path].extend(errcodes)

    def revoke_tokens(self) -> None:
        """WeCom may invalidate tokens before 7,200 s; callers must refetch on 40014."""
        with self.lock:
            self.tokens.clear()

    def errcodes(self, path: str) -> list[int]:
        return [code for p, code in self.calls if p == path]

    # -- dispatch -------------------------------------------------------------------------
    def handle(
        self, method: str, path: str, query: dict[str, str], body: Json, ip: str = ""
    ) -> Json:
        with self.lock:
            try:
                data = self._dispatch(method, path, query, body, ip)
            except SimError as exc:
                data = reply(exc.errcode, exc.errmsg)
            self.calls.append((path, int(data["errcode"])))
            return data

    def _dispatch(self, method: str, path: str, query: dict[str, str], body: Json, ip: str) -> Json:
        if self.trusted_ips is not None and ip not in self.trusted_ips:
            raise SimError(60020, f"not allow to access from your ip, from ip: {ip}")
        if path == "/cgi-bin/gettoken":
            return self.gettoken(query)
        handler = self.routes.get(path)
        if handler is None:
            raise SimError(404, f"unknown api {path}")
        self._check_token(query.get("access_token", ""))
        if path in self.forbidden:
            raise SimError(48002)
        if self._faults[path]:
            raise SimError(self._faults[path].popleft())
        self._check_rate(path)
        return handler(query, body)

    def gettoken(self, query: dict[str, str]) -> Json:
        if query.get("corpid") != self.corp_id:
            raise SimError(40013)
        if query.get("corpsecret") != self.secret:
            raise SimError(40001)
        self.gettoken_calls += 1
        token = new_id("simtok-", 24)
        self.tokens[token] = self.clock() + TOKEN_LIFETIME
        return reply(access_token=token, expires_in=TOKEN_LIFETIME)

    def _check_token(self, token: str) -> None:
        if not token:
            raise SimError(41001)
        expires = self.tokens.get(token)
        if expires is None:
            raise SimError(40014)
        if expires <= self.clock():
            raise SimError(42001)

    def _check_rate(self, path: str) -> None:
        now = self.clock()
        recent = self._recent[path]
        while recent and recent[0] <= now - 60:
            recent.popleft()
        if len(recent) >= self.per_minute_limit:
            raise SimError(45009)
        recent.append(now)
