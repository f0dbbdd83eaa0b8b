"""Customer groups (客户群)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from siyu.integrations.wecom.client.core import Json, WeComCore

GC = "/cgi-bin/externalcontact/groupchat"


class GroupsAPI(WeComCore):
    def groupchats(self, owners: Sequence[str] = (), status_filter: int = 0) -> Iterator[Json]:
        """groupchat/list over cursor pages. Without an owner filter WeCom refuses corps
        with over 1,000 visible owners (81017): pass owners in chunks of ≤100 then."""
        cursor = ""
        while True:
            body: Json = {"status_filter": status_filter, "cursor": cursor, "limit": 1000}
            if owners:
                body["owner_filter"] = {"userid_list": list(owners)[:100]}
            data = self.post(f"{GC}/list", body)
            yield from data.get("group_chat_list", [])
            cursor = str(data.get("next_cursor") or "")
            if not cursor:
                return

    def groupchat(self, chat_id: str) -> Json:
        return dict(self.post(f"{GC}/get", {"chat_id": chat_id, "need_name": 1})["group_chat"])
