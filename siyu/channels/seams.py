"""What the channel verbs need from the outside world, without knowing who provides it.

Domain apps never import siyu.integrations (import-linter contract); the WeCom adapter in
siyu/integrations/wecom/onboarding.py implements these protocols and passes itself in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol


@dataclass(frozen=True)
class ContactWaySpec:
    state: str
    userids: tuple[str, ...]
    skip_verify: bool = True
    remark: str = ""


@dataclass(frozen=True)
class ContactWay:
    config_id: str
    qr_code: str = ""


class ContactWayGateway(Protocol):
    def add_contact_way(self, spec: ContactWaySpec) -> ContactWay: ...

    def update_contact_way(self, config_id: str, spec: ContactWaySpec) -> None: ...

    def del_contact_way(self, config_id: str) -> None: ...


@dataclass(frozen=True)
class MiniProgramCard:
    title: str
    appid: str
    page: str
    cover: str  # media-cache key of the cover image; the adapter turns it into a media_id


@dataclass(frozen=True)
class WelcomeMessage:
    text: str
    cards: tuple[MiniProgramCard, ...] = field(default_factory=tuple)


class WelcomeOutcome(Enum):
    SENT = "sent"
    ALREADY = "already"  # final: never retry (WeCom 41051)
    RETRY = "retry"  # another app is sending right now (WeCom 41096)
    FAILED = "failed"


class WelcomeSender(Protocol):
    def send_welcome(self, welcome_code: str, message: WelcomeMessage) -> WelcomeOutcome: ...
