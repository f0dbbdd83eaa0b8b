"""Corp customer tags and tagging a customer."""

from __future__ import annotations

from collections.abc import Sequence

from siyu.integrations.wecom.client.core import Json, WeComCore

EC = "/cgi-bin/externalcontact"


class TagsAPI(WeComCore):
    def corp_tag_list(
        self, tag_ids: Sequence[str] = (), group_ids: Sequence[str] = ()
    ) -> list[Json]:
        body = {"tag_id": list(tag_ids), "group_id": list(group_ids)}
        return list(self.post(f"{EC}/get_corp_tag_list", body).get("tag_group", []))

    def add_corp_tag(self, group_name: str, tag_names: Sequence[str], group_id: str = "") -> Json:
        """Returns the group with the new tags' ids (WeCom sends no callback for it)."""
        body: Json = {"group_name": group_name, "tag": [{"name": n} for n in tag_names]}
        if group_id:
            body["group_id"] = group_id
        return dict(self.post(f"{EC}/add_corp_tag", body).get("tag_group", {}))

    def edit_corp_tag(self, tag_or_group_id: str, name: str) -> None:
        self.post(f"{EC}/edit_corp_tag", {"id": tag_or_group_id, "name": name})

    def del_corp_tag(self, tag_ids: Sequence[str] = (), group_ids: Sequence[str] = ()) -> None:
        self.post(f"{EC}/del_corp_tag", {"tag_id": list(tag_ids), "group_id": list(group_ids)})

    def mark_tag(
        self,
        userid: str,
        external_userid: str,
        add: Sequence[str] = (),
        remove: Sequence[str] = (),
    ) -> None:
        body = {
            "userid": userid,
            "external_userid": external_userid,
            "add_tag": list(add),
            "remove_tag": list(remove),
        }
        self.post(f"{EC}/mark_tag", body)

    def ensure_corp_tag(self, group_name: str, tag_name: str) -> str:
        """The id of tag ``group_name/tag_name``, creating group or tag when missing."""
        for group in self.corp_tag_list():
            if group.get("group_name") != group_name:
                continue
            for tag in group.get("tag", []):
                if tag.get("name") == tag_name:
                    return str(tag["id"])
            made = self.add_corp_tag(group_name, [tag_name], group_id=str(group["group_id"]))
            return str(made["tag"][0]["id"])
        return str(self.add_corp_tag(group_name, [tag_name])["tag"][0]["id"])
