"""In-memory stand-ins for the WeCom side of the channel seams."""

from __future__ import annotations

from dataclasses import dataclass, field

from siyu.channels.seams import (
    ContactWay,
    ContactWaySpec,
    WelcomeMessage,
    WelcomeOutcome,
)


@dataclass
class FakeGateway:
    ways: dict[str, ContactWaySpec] = field(default_factory=dict)
    updates: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def add_contact_way(self, spec: ContactWaySpec) -> ContactWay:
        config_id = f"cfg{len(self.ways) + 1}"
        self.ways[config_id] = spec
        return ContactWay(config_id, f"https://wework.qpic.cn/{config_id}.png")

    def update_contact_way(self, config_id: str, spec: ContactWaySpec) -> None:
        self.ways[config_id] = spec
        self.updates.append((config_id, spec.userids))

    def del_contact_way(self, config_id: str) -> None:
        self.ways.pop(config_id)
        self.deleted.append(config_id)


@dataclass
class ScriptedSender:
    """Answers from a script (last answer repeats) and records every call."""

    script: list[WelcomeOutcome] = field(default_factory=lambda: [WelcomeOutcome.SENT])
    calls: list[tuple[str, WelcomeMessage]] = field(default_factory=list)

    def send_welcome(self, welcome_code: str, message: WelcomeMessage) -> WelcomeOutcome:
        self.calls.append((welcome_code, message))
        return self.script[min(len(self.calls), len(self.script)) - 1]
