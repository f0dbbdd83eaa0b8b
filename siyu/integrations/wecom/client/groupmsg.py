"""Mass-message tasks after creation, moments tasks and app messages to staff."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from siyu.integrations.wecom.client.core import Json, WeComCore

EC = "/cgi-bin/externalcontact"
# WeCom drops an app message repeating one sent to the same member within this window.
DUPLICATE_CHECK_SECONDS = 4 * 3600


class GroupMsgAPI(WeComCore):
    def _pages(self, path: str, body: Json, key: str) -> Iterator[Json]:
        cursor = ""
        while True:
            data = self.post(path, {**body, "cursor": cursor})
            yield from data.get(key, [])
            cursor = str(data.get("next_cursor") or "")
            if not cursor:
                return

    def groupmsg_list(
        self, *, chat_type: str, start: int, end: int, creator: str = ""
    ) -> Iterator[Json]:
        """Tasks created in [start, end] (Unix seconds, at most a month apart)."""
        body: Json = {"chat_type": chat_type, "start_time": start, "end_time": end, "limit": 100}
        if creator:
            body["creator"] = creator
            body["filter_type"] = 2
        return self._pages(f"{EC}/get_groupmsg_list_v2", body, "group_msg_list")

    def groupmsg_task(self, msgid: str) -> Iterator[Json]:
        """Each sender's status: 0 not yet sent, 1 sent."""
        return self._pages(f"{EC}/get_groupmsg_task", {"msgid": msgid, "limit": 1000}, "task_list")

    def remind_groupmsg_send(self, msgid: str) -> None:
        self.post(f"{EC}/remind_groupmsg_send", {"msgid": msgid})

    def cancel_groupmsg_send(self, msgid: str) -> None:
        self.post(f"{EC}/cancel_groupmsg_send", {"msgid": msgid})

    def add_moment_task(
        self,
        *,
        text: str,
        executors: Sequence[str],
        tag_ids: Sequence[str],
        attachments: Sequence[Json] = (),
    ) -> str:
        visible: Json = {"sender_list": {"user_list": list(executors)}}
        if tag_ids:
            visible["external_contact_list"] = {"tag_list": list(tag_ids)}
        body: Json = {"text": {"content": text}, "visible_range": visible}
        if attachments:
            body["attachments"] = list(attachments)[:9]
        return str(self.post(f"{EC}/add_moment_task", body)["jobid"])

    def moment_task_result(self, jobid: str) -> Json:
        """status 1 started, 2 running, 3 done; ``result`` holds the moment_id when done."""
        return self.get(f"{EC}/get_moment_task_result", jobid=jobid)

    def moment_list(self, *, start: int, end: int) -> Iterator[Json]:
        """The corp's own moments (filter_type 0) created in [start, end], at most a month."""
        body: Json = {"start_time": start, "end_time": end, "filter_type": 0, "limit": 20}
        return self._pages(f"{EC}/get_moment_list", body, "moment_list")

    def moment_task(self, moment_id: str) -> Iterator[Json]:
        """Each executor's publish_status: 0 not published, 1 published."""
        return self._pages(
            f"{EC}/get_moment_task", {"moment_id": moment_id, "limit": 1000}, "task_list"
        )

    def send_app_text(self, *, agent_id: str, userids: Sequence[str], text: str) -> Json:
        body: Json = {
            "touser": "|".join(userids),
            "msgtype": "text",
            "agentid": agent_id,
            "text": {"content": text},
            "enable_duplicate_check": 1,
            "duplicate_check_interval": DUPLICATE_CHECK_SECONDS,
        }
        return self.post("/cgi-bin/message/send", body)
