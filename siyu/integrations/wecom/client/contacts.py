"""Staff with customer contact, external contacts, and unionid ↔ external_userid."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from siyu.integrations.wecom.client.core import Json, WeComCore

EC = "/cgi-bin/externalcontact"
BATCH_USERS = 100  # batch/get_by_user takes at most 100 userids and 100 results per page


class ContactsAPI(WeComCore):
    def follow_user_list(self) -> list[str]:
        """Staff with customer-contact enabled, within the app's visibility range."""
        return list(self.get(f"{EC}/get_follow_user_list").get("follow_user", []))

    def get_external_contact(self, external_userid: str) -> Json:
        """externalcontact/get with every page of follow_user joined (it pages at 500)."""
        follow: list[Any] = []
        cursor = ""
        while True:
            data = self.get(f"{EC}/get", external_userid=external_userid, cursor=cursor)
            follow.extend(data.get("follow_user", []))
            cursor = str(data.get("next_cursor") or "")
            if not cursor:
                return {"external_contact": data.get("external_contact", {}), "follow_user": follow}

    def contacts_by_user(self, userids: Sequence[str], limit: int = BATCH_USERS) -> Iterator[Json]:
        """batch/get_by_user over cursor pages: one item per staff–customer relation."""
        for start in range(0, len(userids), BATCH_USERS):
            chunk = list(userids[start : start + BATCH_USERS])
            cursor = ""
            while True:
                body = {"userid_list": chunk, "cursor": cursor, "limit": limit}
                data = self.post(f"{EC}/batch/get_by_user", body)
                yield from data.get("external_contact_list", [])
                cursor = str(data.get("next_cursor") or "")
                if not cursor:
                    break

    def unionid_to_external_userid(
        self, unionid: str, openid: str, subject_type: int = 0
    ) -> list[str]:
        """WeChat unionid (+ the openid from the same mini-program) → external userids."""
        body = {"unionid": unionid, "openid": openid, "subject_type": subject_type}
        data = self.post("/cgi-bin/idconvert/unionid_to_external_userid", body)
        return [str(i["external_userid"]) for i in data.get("external_userid_info", [])]

    def external_userid_to_unionid(self, external_userid: str) -> str:
        """The reverse comes with the contact itself (only when the corp bound its
        WeChat developer id; never for third-party apps)."""
        contact = self.get_external_contact(external_userid)["external_contact"]
        return str(contact.get("unionid", ""))
