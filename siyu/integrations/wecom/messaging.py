"""WeCom's side of messaging's Transport seam: mass tasks to customers and to groups,
moments tasks, and app messages to staff (registered in WecomConfig.ready).

WeCom's add_msg_template takes no idempotency key, so ``find`` recognises a task an
earlier attempt created: same sender, created since that attempt began, same text, same
recipients (read back from get_groupmsg_send_result).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import httpx
from django.conf import settings

from siyu.integrations.wecom.client.api import WeComClient
from siyu.integrations.wecom.client.errors import WeComError
from siyu.integrations.wecom.transport import wecom_client
from siyu.messaging.transport import (
    Created,
    DeliveryError,
    DirectMessage,
    RecipientState,
    Result,
    Results,
    TaskRef,
    TaskSpec,
)

T = TypeVar("T")
STATES = {
    0: RecipientState.UNSENT,
    1: RecipientState.SENT,
    2: RecipientState.NOT_FRIEND,
    3: RecipientState.WECOM_LIMIT,
}
# Clocks differ: look a minute before the attempt began.
FIND_SLACK = timedelta(minutes=1)


@contextmanager
def _client() -> Iterator[WeComClient]:
    try:
        client = wecom_client()
    except Exception as exc:
        raise DeliveryError(str(exc), retry=True) from exc
    try:
        yield client
    finally:
        client.close()


def _call(fn: Callable[[WeComClient], T]) -> T:
    with _client() as client:
        try:
            return fn(client)
        except WeComError as exc:
            raise DeliveryError(str(exc), retry=exc.retry_later) from exc
        except httpx.HTTPError as exc:
            raise DeliveryError(f"WeCom unreachable: {exc}", retry=True) from exc


def _at(value: object) -> datetime | None:
    seconds = int(str(value or 0) or 0)
    return datetime.fromtimestamp(seconds, tz=UTC) if seconds else None


class MassTransport:
    """add_msg_template, chat_type single (customers) or group (the sender's groups)."""

    chat_type = "single"

    def create(self, spec: TaskSpec) -> Created:
        text = str(spec.message.get("text", ""))
        attachments = list(spec.message.get("attachments") or [])

        def make(client: WeComClient) -> Created:
            if self.chat_type == "group":
                data = client.add_msg_template(
                    sender=spec.sender, text=text, chat_ids=spec.recipients, attachments=attachments
                )
            else:
                data = client.add_msg_template(
                    sender=spec.sender,
                    text=text,
                    external_userids=spec.recipients,
                    attachments=attachments,
                )
            return Created(
                msgid=str(data["msgid"]), refused=tuple(str(r) for r in data.get("fail_list") or [])
            )

        return _call(make)

    def _targets(self, client: WeComClient, msgid: str, sender: str) -> set[str]:
        key = "chat_id" if self.chat_type == "group" else "external_userid"
        return {str(row.get(key, "")) for row in client.groupmsg_send_results(msgid, sender)}

    def find(self, spec: TaskSpec) -> Created | None:
        start = int((spec.attempt_started_at - FIND_SLACK).timestamp())
        text = str(spec.message.get("text", ""))

        def look(client: WeComClient) -> Created | None:
            end = int(datetime.now(tz=UTC).timestamp()) + 60
            for row in client.groupmsg_list(
                chat_type=self.chat_type, start=start, end=end, creator=spec.sender
            ):
                if (row.get("text") or {}).get("content", "") != text:
                    continue
                msgid = str(row["msgid"])
                if self._targets(client, msgid, spec.sender) == set(spec.recipients):
                    return Created(msgid=msgid)
            return None

        return _call(look)

    def results(self, ref: TaskRef) -> Results:
        key = "chat_id" if self.chat_type == "group" else "external_userid"

        def read(client: WeComClient) -> Results:
            rows = tuple(
                Result(
                    str(row.get(key, "")),
                    STATES.get(int(row.get("status", 0)), RecipientState.UNSENT),
                    _at(row.get("send_time")),
                )
                for row in client.groupmsg_send_results(ref.msgid, ref.sender)
            )
            return Results(rows)

        return _call(read)

    def remind(self, ref: TaskRef) -> None:
        _call(lambda client: client.remind_groupmsg_send(ref.msgid))

    def cancel(self, ref: TaskRef) -> None:
        _call(lambda client: client.cancel_groupmsg_send(ref.msgid))

    def listed(self, since: datetime, until: datetime) -> set[str]:
        def read(client: WeComClient) -> set[str]:
            found: set[str] = set()
            start = since
            while start < until:  # WeCom lists at most a month per call
                end = min(start + timedelta(days=30), until)
                rows = client.groupmsg_list(
                    chat_type=self.chat_type, start=int(start.timestamp()), end=int(end.timestamp())
                )
                found |= {str(r["msgid"]) for r in rows}
                start = end
            return found

        return _call(read)


class GroupMassTransport(MassTransport):
    chat_type = "group"


class MomentTransport:
    """add_moment_task: executors publish (or not); a published post cannot be recalled."""

    def create(self, spec: TaskSpec) -> Created:
        message = spec.message
        jobid = _call(
            lambda client: client.add_moment_task(
                text=str(message.get("text", "")),
                executors=spec.recipients,
                tag_ids=[str(t) for t in message.get("tag_ids") or []],
                attachments=list(message.get("attachments") or []),
            )
        )
        return Created(jobid=jobid)

    def find(self, spec: TaskSpec) -> Created | None:
        """A moments task an earlier attempt created but never recorded (the worker died
        with WeCom's answer in flight): the attempt's start was written before the call,
        so the corp's moments since then (get_moment_list) with the same text and the
        same executors (get_moment_task) are looked at before creating again. Found, it is
        recorded by its moment_id and never posted twice."""
        start = int((spec.attempt_started_at - FIND_SLACK).timestamp())
        text = str(spec.message.get("text", ""))

        def look(client: WeComClient) -> Created | None:
            end = int(datetime.now(tz=UTC).timestamp()) + 60
            for row in client.moment_list(start=start, end=end):
                if (row.get("text") or {}).get("content", "") != text:
                    continue
                moment_id = str(row["moment_id"])
                executors = {str(r["userid"]) for r in client.moment_task(moment_id)}
                if executors == set(spec.recipients):
                    return Created(msgid=moment_id)
            return None

        return _call(look)

    def results(self, ref: TaskRef) -> Results:
        def read(client: WeComClient) -> Results:
            moment_id = ref.msgid
            if not moment_id:
                data = client.moment_task_result(ref.jobid)
                if int(data.get("status", 0)) != 3:
                    return Results(())
                moment_id = str((data.get("result") or {}).get("moment_id") or "")
            rows = tuple(
                Result(
                    str(row["userid"]),
                    RecipientState.SENT
                    if int(row.get("publish_status", 0)) == 1
                    else RecipientState.UNSENT,
                )
                for row in client.moment_task(moment_id)
            )
            return Results(rows, msgid=moment_id)

        return _call(read)

    def remind(self, ref: TaskRef) -> None:
        """WeCom has no reminder for moments tasks; the staff's app notice is the way."""

    def cancel(self, ref: TaskRef) -> None:
        if ref.msgid:
            _call(
                lambda client: client.post(
                    "/cgi-bin/externalcontact/cancel_moment_task", {"moment_id": ref.msgid}
                )
            )

    def listed(self, since: datetime, until: datetime) -> set[str]:
        return set()


class AppMessageTransport:
    """message/send to one staff member; WeCom's duplicate check drops a repeat."""

    def deliver(self, msg: DirectMessage) -> str:
        if not msg.staff_userid:
            raise DeliveryError("the staff member has no WeCom userid", retry=False)
        agent = str(getattr(settings, "SIYU_WECOM_AGENT_ID", ""))
        data = _call(
            lambda client: client.send_app_text(
                agent_id=agent, userids=[msg.staff_userid], text=str(msg.message.get("text", ""))
            )
        )
        if msg.staff_userid in str(data.get("invaliduser") or "").split("|"):
            raise DeliveryError("WeCom: not a member of the app's visible range", retry=False)
        return str(data.get("msgid", ""))
