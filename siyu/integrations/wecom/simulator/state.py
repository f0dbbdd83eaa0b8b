"""The simulator's in-memory world: one corp, its staff, customers, codes and groups."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]

TOKEN_LIFETIME = 7200  # seconds, as WeCom's gettoken answers
WELCOME_WINDOW = 20.0  # a welcome_code is good for 20 s, once
MEDIA_LIFETIME = 3 * 24 * 3600


def new_id(prefix: str, n: int = 12) -> str:
    return prefix + secrets.token_hex(n)


@dataclass
class WelcomeCode:
    code: str
    userid: str
    external_userid: str
    issued_at: float
    used: bool = False


@dataclass(frozen=True)
class ReceivedWelcome:
    """A welcome message the simulator accepted, with when it arrived (for "within 20 s")."""

    welcome_code: str
    userid: str
    external_userid: str
    text: str
    attachments: tuple[Json, ...]
    issued_at: float
    received_at: float

    @property
    def latency(self) -> float:
        return self.received_at - self.issued_at


@dataclass
class Contact:
    external_userid: str
    name: str
    unionid: str = ""
    # userid -> follow_info (remark, state, add_time, tags, remark_mobiles)
    follows: dict[str, Json] = field(default_factory=dict)

    def as_json(self) -> Json:
        data: Json = {"external_userid": self.external_userid, "name": self.name, "type": 1}
        if self.unionid:
            data["unionid"] = self.unionid
        return data


@dataclass
class World:
    staff: list[str] = field(default_factory=list)
    contacts: dict[str, Contact] = field(default_factory=dict)
    ways: dict[str, Json] = field(default_factory=dict)
    join_ways: dict[str, Json] = field(default_factory=dict)
    tag_groups: list[Json] = field(default_factory=list)
    groups: dict[str, Json] = field(default_factory=dict)
    welcome_codes: dict[str, WelcomeCode] = field(default_factory=dict)
    welcomes: list[ReceivedWelcome] = field(default_factory=list)
    templates: list[Json] = field(default_factory=list)
    transfers: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    media: dict[str, float] = field(default_factory=dict)
    # Round-robin position per contact way (WeCom spreads scans over a multi-user way).
    next_user: dict[str, int] = field(default_factory=dict)

    def tag_ids(self) -> set[str]:
        return {t["id"] for g in self.tag_groups for t in g["tag"]}
