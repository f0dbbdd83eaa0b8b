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

    def transfer_groupchats(
        self, chat_ids: Sequence[str], new_owner: str, *, resigned: bool
    ) -> dict[str, int]:
        """Hand groups to a new owner (≤100 per call, chunked): groupchat/transfer for a
        leaver's groups, groupchat/onjob_transfer for staff still employed. Returns the
        errcode of each group WeCom refused; the others are transferred."""
        path = f"{GC}/transfer" if resigned else f"{GC}/onjob_transfer"
        failed: dict[str, int] = {}
        for start in range(0, len(chat_ids), 100):
            body = {"chat_id_list": list(chat_ids[start : start + 100]), "new_owner": new_owner}
            for item in self.post(path, body).get("failed_chat_list", []):
                failed[str(item["chat_id"])] = int(item.get("errcode", 0))
        return failed

    def groupchat(self, chat_id: str) -> Json:
        return dict(self.post(f"{GC}/get", {"chat_id": chat_id, "need_name": 1})["group_chat"])
