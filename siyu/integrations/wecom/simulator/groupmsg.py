"""Simulated mass messages, moments and app messages, with WeCom's JSON and errcodes.

Simulated staff confirm a share of tasks after a delay and never confirm the others, so
reminders, expiry and reconciliation have something to do. Tests may script a member:
``confirms("LinYue", after=60)`` or ``never_confirms("ChenJing")``. Unscripted members
confirm 80 % of tasks (decided from the msgid, so reruns agree) within ten minutes.

When a task is confirmed, each customer's result is "sent" (1), or "not a contact" (2)
when the simulator knows the customer and the sender does not follow them, or "already
received a mass message" (3) past WeCom's monthly budget (the month's days, China time).
Reminders are allowed 3 times per task in 24 h; a fourth answers 45009 (our reading of
"每个群发任务每24小时最多可提醒3次"; WeCom does not document the errcode).
"""

from __future__ import annotations

import calendar
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from siyu.integrations.wecom.simulator.core import SimCore, SimError, reply
from siyu.integrations.wecom.simulator.state import Json, new_id

EC = "/cgi-bin/externalcontact"
CHINA = timedelta(hours=8)
MAX_SINGLE = 10_000
MAX_GROUPS = 2_000
APP_PER_MINUTE = 30


@dataclass
class MassTask:
    msgid: str
    chat_type: str
    sender: str
    targets: list[str]
    text: str
    attachments: list[Json]
    created_at: float
    confirm_at: float | None
    cancelled: bool = False
    results: dict[str, tuple[int, int]] = field(default_factory=dict)  # target -> (status, time)
    reminders: list[float] = field(default_factory=list)


@dataclass
class MomentJob:
    jobid: str
    moment_id: str
    text: str
    executors: list[str]
    tags: list[str]
    created_at: float
    publish_at: dict[str, float | None] = field(default_factory=dict)


class GroupMsgSim(SimCore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mass_tasks: dict[str, MassTask] = {}
        self.moment_jobs: dict[str, MomentJob] = {}
        self.app_messages: list[Json] = []
        self.behaviour: dict[str, float | None] = {}  # userid -> delay, None = never
        self.received: Counter[tuple[str, str]] = Counter()  # (target, month) -> n
        self._app_recent: dict[str, list[float]] = {}
        r = self.routes
        r[f"{EC}/add_msg_template"] = self.add_msg_template
        r[f"{EC}/get_groupmsg_list_v2"] = self.groupmsg_list_v2
        r[f"{EC}/get_groupmsg_task"] = self.groupmsg_task
        r[f"{EC}/get_groupmsg_send_result"] = self.groupmsg_send_result
        r[f"{EC}/remind_groupmsg_send"] = self.remind_groupmsg_send
        r[f"{EC}/cancel_groupmsg_send"] = self.cancel_groupmsg_send
        r[f"{EC}/add_moment_task"] = self.add_moment_task
        r[f"{EC}/get_moment_task_result"] = self.moment_task_result
        r[f"{EC}/get_moment_task"] = self.moment_task
        r[f"{EC}/get_moment_list"] = self.moment_list
        r["/cgi-bin/message/send"] = self.message_send

    # -- test controls ------------------------------------------------------------------
    def confirms(self, userid: str, after: float = 0.0) -> None:
        self.behaviour[userid] = after

    def never_confirms(self, userid: str) -> None:
        self.behaviour[userid] = None

    def _confirm_delay(self, userid: str, key: str) -> float | None:
        if userid in self.behaviour:
            return self.behaviour[userid]
        rng = random.Random(key)  # noqa: S311 - simulated behaviour, not security
        return rng.uniform(30, 600) if rng.random() < 0.8 else None

    # -- mass messages ------------------------------------------------------------------
    def _month(self, at: float) -> tuple[str, int]:
        local = datetime.fromtimestamp(at, tz=UTC) + CHINA
        return f"{local.year}-{local.month}", calendar.monthrange(local.year, local.month)[1]

    def _resolve(self, task: MassTask) -> None:
        if (
            task.results
            or task.cancelled
            or task.confirm_at is None
            or self.clock() < task.confirm_at
        ):
            return
        month, limit = self._month(task.confirm_at)
        for target in task.targets:
            contact = self.world.contacts.get(target)
            if (
                task.chat_type == "single"
                and contact is not None
                and task.sender not in contact.follows
            ):
                task.results[target] = (2, 0)
            elif self.received[target, month] >= limit:
                task.results[target] = (3, 0)
            else:
                self.received[target, month] += 1
                task.results[target] = (1, int(task.confirm_at))

    def _task(self, b: Json) -> MassTask:
        task = self.mass_tasks.get(str(b.get("msgid") or ""))
        if task is None:
            raise SimError(40058, "invalid msgid")
        self._resolve(task)
        return task

    def add_msg_template(self, q: dict[str, str], b: Json) -> Json:
        chat_type = b.get("chat_type") or "single"
        sender = str(b.get("sender") or "")
        if sender and sender not in self.world.staff:
            raise SimError(40098)
        if chat_type == "single":
            targets = [str(t) for t in b.get("external_userid") or []]
            if not sender or not targets or len(targets) > MAX_SINGLE:
                raise SimError(40058, "sender and 1-10000 external_userid are required")
        else:
            owned = [g["chat_id"] for g in self.world.groups.values() if g["owner"] == sender]
            targets = [str(t) for t in b.get("chat_id_list") or owned]
            if not sender or len(targets) > MAX_GROUPS:
                raise SimError(40058, "sender and at most 2000 groups are required")
        text = str((b.get("text") or {}).get("content") or "")
        msgid = new_id("msg", 10)
        now = self.clock()
        delay = self._confirm_delay(sender, msgid)
        self.mass_tasks[msgid] = MassTask(
            msgid,
            chat_type,
            sender,
            targets,
            text,
            list(b.get("attachments") or []),
            now,
            None if delay is None else now + delay,
        )
        self.world.templates.append({"msgid": msgid, **b, "targets": targets})
        return reply(msgid=msgid, fail_list=[])

    def groupmsg_list_v2(self, q: dict[str, str], b: Json) -> Json:
        start, end = int(b.get("start_time") or 0), int(b.get("end_time") or 0)
        if not start or not end or end < start or end - start > 31 * 86400:
            raise SimError(40058, "start_time/end_time must span at most a month")
        creator = b.get("creator")
        rows = [
            {
                "msgid": t.msgid,
                "creator": t.sender,
                "create_type": 0,
                "text": {"content": t.text},
                "attachments": t.attachments,
                "create_time": str(int(t.created_at)),
            }
            for t in self.mass_tasks.values()
            if start <= t.created_at <= end
            and t.chat_type == (b.get("chat_type") or "single")
            and (not creator or t.sender == creator)
        ]
        page, cursor = _page(rows, str(b.get("cursor") or ""), min(int(b.get("limit") or 50), 100))
        return reply(group_msg_list=page, next_cursor=cursor)

    def groupmsg_task(self, q: dict[str, str], b: Json) -> Json:
        task = self._task(b)
        sent = bool(task.results)
        row = {"userid": task.sender, "status": 1 if sent else (2 if task.cancelled else 0)}
        if sent and task.confirm_at is not None:
            row["send_time"] = int(task.confirm_at)
        return reply(task_list=[row], next_cursor="")

    def groupmsg_send_result(self, q: dict[str, str], b: Json) -> Json:
        task = self._task(b)
        key = "chat_id" if task.chat_type == "group" else "external_userid"
        rows = []
        for target in task.targets:
            status, at = task.results.get(target, (0, 0))
            row: Json = {key: target, "userid": task.sender, "status": status}
            if at:
                row["send_time"] = at
            rows.append(row)
        page, cursor = _page(
            rows, str(b.get("cursor") or ""), min(int(b.get("limit") or 500), 1000)
        )
        return reply(send_list=page, next_cursor=cursor)

    def remind_groupmsg_send(self, q: dict[str, str], b: Json) -> Json:
        task = self._task(b)
        now = self.clock()
        task.reminders = [t for t in task.reminders if t > now - 86400]
        if len(task.reminders) >= 3:
            raise SimError(45009, "remind at most 3 times per task in 24 hours")
        task.reminders.append(now)
        return reply()

    def cancel_groupmsg_send(self, q: dict[str, str], b: Json) -> Json:
        task = self._task(b)
        if not task.results:
            task.cancelled = True
        return reply()

    # -- moments ------------------------------------------------------------------------
    def add_moment_task(self, q: dict[str, str], b: Json) -> Json:
        visible = b.get("visible_range") or {}
        executors = list((visible.get("sender_list") or {}).get("user_list") or [])
        tags = list((visible.get("external_contact_list") or {}).get("tag_list") or [])
        now = self.clock()
        job = MomentJob(
            new_id("job", 8),
            new_id("mom", 10),
            str((b.get("text") or {}).get("content") or ""),
            executors,
            tags,
            now,
        )
        for userid in executors:
            delay = self._confirm_delay(userid, job.moment_id + userid)
            job.publish_at[userid] = None if delay is None else now + delay
        self.moment_jobs[job.jobid] = job
        return reply(jobid=job.jobid)

    def moment_task_result(self, q: dict[str, str], b: Json) -> Json:
        job = self.moment_jobs.get(q.get("jobid", ""))
        if job is None:
            raise SimError(40058, "invalid jobid")
        invalid = [u for u in job.executors if u not in self.world.staff]
        result = {
            "errcode": 0,
            "errmsg": "ok",
            "moment_id": job.moment_id,
            "invalid_sender_list": {"user_list": invalid, "department_list": []},
            "invalid_external_contact_list": {"tag_list": []},
        }
        return reply(status=3, type="add_moment_task", result=result)

    def moment_list(self, q: dict[str, str], b: Json) -> Json:
        start, end = int(b.get("start_time") or 0), int(b.get("end_time") or 0)
        if not start or not end or end < start or end - start > 31 * 86400:
            raise SimError(40058, "start_time/end_time must span at most a month")
        if int(b.get("filter_type", 2)) == 1:  # personal posts only: the corp's are not
            return reply(moment_list=[], next_cursor="")
        rows = [
            {
                "moment_id": j.moment_id,
                "creator": "",
                "create_time": str(int(j.created_at)),
                "create_type": 0,
                "visible_type": 0 if j.tags else 1,
                "text": {"content": j.text},
            }
            for j in self.moment_jobs.values()
            if start <= j.created_at <= end
        ]
        page, cursor = _page(rows, str(b.get("cursor") or ""), min(int(b.get("limit") or 20), 20))
        return reply(moment_list=page, next_cursor=cursor)

    def moment_task(self, q: dict[str, str], b: Json) -> Json:
        job = next(
            (j for j in self.moment_jobs.values() if j.moment_id == b.get("moment_id")), None
        )
        if job is None:
            raise SimError(40058, "invalid moment_id")
        now = self.clock()
        rows = [
            {"userid": u, "publish_status": int(at is not None and at <= now)}
            for u, at in job.publish_at.items()
        ]
        page, cursor = _page(
            rows, str(b.get("cursor") or ""), min(int(b.get("limit") or 500), 1000)
        )
        return reply(task_list=page, next_cursor=cursor)

    # -- app messages to staff -------------------------------------------------------------
    def message_send(self, q: dict[str, str], b: Json) -> Json:
        users = [u for u in str(b.get("touser") or "").split("|") if u]
        invalid = [u for u in users if u not in self.world.staff]
        now = self.clock()
        for userid in set(users) - set(invalid):
            recent = [t for t in self._app_recent.get(userid, []) if t > now - 60]
            if len(recent) >= APP_PER_MINUTE:
                raise SimError(45033, "api freq out of limit: 30 messages a minute per member")
            self._app_recent[userid] = [*recent, now]
        msgid = new_id("appmsg", 8)
        if not self._duplicate(b, now):
            self.app_messages.append({"msgid": msgid, **b, "received_at": now})
        return reply(invaliduser="|".join(invalid), msgid=msgid)

    def _duplicate(self, b: Json, now: float) -> bool:
        """WeCom's duplicate check: the same content to the same members within the
        interval is accepted and not delivered again."""
        if not b.get("enable_duplicate_check"):
            return False
        interval = int(b.get("duplicate_check_interval") or 1800)
        return any(
            m.get("touser") == b.get("touser")
            and m.get("text") == b.get("text")
            and m["received_at"] > now - interval
            for m in self.app_messages
        )


def _page(items: list[Any], cursor: str, limit: int) -> tuple[list[Any], str]:
    start = int(cursor) if cursor.isdigit() else 0
    end = start + max(1, limit)
    return items[start:end], (str(end) if end < len(items) else "")
