"""What group codes need from WeCom, without knowing who provides it: the WeCom adapter
(siyu/integrations/wecom/group_codes.py) implements the gateway and passes itself in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class JoinWaySpec:
    state: str
    chat_ids: tuple[str, ...]
    auto_create_room: bool = True
    room_base_name: str = ""
    room_base_id: int = 1
    remark: str = ""


@dataclass(frozen=True)
class JoinWayMade:
    config_id: str
    qr_code: str = ""


class JoinWayGateway(Protocol):
    def add_join_way(self, spec: JoinWaySpec) -> JoinWayMade:
        """A call (it answers with the config id): never inside a transaction."""
        ...

    def update_join_way(self, config_id: str, spec: JoinWaySpec) -> None:
        """Queued: made after the caller's transaction commits, in order per config."""
        ...

    def del_join_way(self, config_id: str) -> None: ...
