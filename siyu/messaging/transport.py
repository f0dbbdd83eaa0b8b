"""The Transport seam: what the domain asks of a channel, implemented by the adapters
(siyu/integrations/wecom, wechat, webhook), which register themselves from their
``AppConfig.ready``. Domain code never imports an adapter.

Two kinds: a ``TaskTransport`` hands a task to staff who confirm it in WeCom (mass
messages to customers or groups, moments); a ``DirectTransport`` delivers one message
(app message to staff, official-account template message, webhook).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


class DeliveryError(Exception):
    """The channel did not take the message. ``retry``: trying later may work.

    ``blocked``: a ``Reason`` when the channel says this recipient cannot be reached on it
    (an official-account follower who unsubscribed): the send is blocked with that reason,
    like a policy decision, and never retried."""

    def __init__(self, message: str, *, retry: bool, blocked: str = "") -> None:
        super().__init__(message)
        self.retry = retry and not blocked
        self.blocked = blocked


@dataclass(frozen=True)
class TaskSpec:
    task_id: int
    channel: str
    sender: str  # the sender's WeCom userid ("" for a moments task)
    recipients: tuple[str, ...]  # external_userids, chat_ids, or the executors' userids
    message: dict[str, Any]
    # When the first attempt began: a task found at WeCom created after it may be ours.
    attempt_started_at: datetime


@dataclass(frozen=True)
class Created:
    msgid: str = ""
    jobid: str = ""
    refused: tuple[str, ...] = ()  # recipients WeCom would not take


@dataclass(frozen=True)
class TaskRef:
    channel: str
    sender: str
    msgid: str
    jobid: str = ""


class RecipientState:
    UNSENT = "unsent"
    SENT = "sent"
    NOT_FRIEND = "not_friend"
    WECOM_LIMIT = "wecom_limit"


@dataclass(frozen=True)
class Result:
    recipient: str  # external_userid, chat_id or (moments) the executor's userid
    state: str
    at: datetime | None = None


@dataclass(frozen=True)
class Results:
    rows: tuple[Result, ...]
    msgid: str = ""  # a moments job resolves to its moment_id


class TaskTransport(Protocol):
    def create(self, spec: TaskSpec) -> Created: ...

    def find(self, spec: TaskSpec) -> Created | None:
        """A task an earlier attempt created before it could record the answer."""
        ...

    def results(self, ref: TaskRef) -> Results: ...

    def remind(self, ref: TaskRef) -> None: ...

    def cancel(self, ref: TaskRef) -> None: ...

    def listed(self, since: datetime, until: datetime) -> set[str]:
        """The msgids of mass tasks WeCom holds for the corp in a period."""
        ...


@dataclass(frozen=True)
class DirectMessage:
    send_id: int
    idempotency_key: str
    channel: str
    message: dict[str, Any]
    staff_userid: str = ""
    openid: str = ""
    customer_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class DirectTransport(Protocol):
    def deliver(self, msg: DirectMessage) -> str:
        """Deliver; returns the channel's message id. Raises DeliveryError."""
        ...


_REGISTRY: dict[str, Callable[[], Any]] = {}


def register_transport(channel: str, factory: Callable[[], Any]) -> None:
    _REGISTRY[channel] = factory


def transport_for(channel: str) -> Any:
    """A fresh transport for the channel; LookupError when no adapter is installed."""
    factory = _REGISTRY.get(channel)
    if factory is None:
        raise LookupError(f"no transport registered for {channel}")
    return factory()
