"""The simulated WeCom endpoints, with WeCom's JSON shapes (in-memory state)."""

from __future__ import annotations

from typing import Any

from siyu.integrations.wecom.simulator.core import SimCore, SimError, reply
from siyu.integrations.wecom.simulator.qr import DEFAULT_IMAGE_BASE, qr_png, qr_url
from siyu.integrations.wecom.simulator.state import (
    MEDIA_LIFETIME,
    WELCOME_WINDOW,
    Json,
    ReceivedWelcome,
    new_id,
)

EC = "/cgi-bin/externalcontact"
STATE_MAX = 30


def _page(items: list[Any], cursor: str, limit: int) -> tuple[list[Any], str]:
    start = int(cursor) if cursor.isdigit() else 0
    end = start + max(1, limit)
    return items[start:end], (str(end) if end < len(items) else "")


class SimEndpoints(SimCore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.image_base = DEFAULT_IMAGE_BASE
        r = self.routes
        r[f"{EC}/get_follow_user_list"] = self.follow_user_list
        r[f"{EC}/get"] = self.get_contact
        r[f"{EC}/batch/get_by_user"] = self.batch_get_by_user
        r[f"{EC}/get_corp_tag_list"] = self.corp_tag_list
        r[f"{EC}/add_corp_tag"] = self.add_corp_tag
        r[f"{EC}/edit_corp_tag"] = self.edit_corp_tag
        r[f"{EC}/del_corp_tag"] = self.del_corp_tag
        r[f"{EC}/mark_tag"] = self.mark_tag
        r[f"{EC}/add_contact_way"] = self.add_contact_way
        r[f"{EC}/update_contact_way"] = self.update_contact_way
        r[f"{EC}/get_contact_way"] = self.get_contact_way
        r[f"{EC}/del_contact_way"] = self.del_contact_way
        r[f"{EC}/send_welcome_msg"] = self.send_welcome_msg
        r[f"{EC}/groupchat/list"] = self.groupchat_list
        r[f"{EC}/groupchat/get"] = self.groupchat_get
        r[f"{EC}/groupchat/transfer"] = self.groupchat_transfer
        r[f"{EC}/groupchat/onjob_transfer"] = self.groupchat_transfer
        r[f"{EC}/transfer_customer"] = self.transfer_customer
        r[f"{EC}/resigned/transfer_customer"] = self.transfer_customer
        r[f"{EC}/transfer_result"] = self.transfer_result
        r[f"{EC}/resigned/transfer_result"] = self.transfer_result
        r["/cgi-bin/idconvert/unionid_to_external_userid"] = self.unionid_to_external
        r["/cgi-bin/media/upload"] = self.media_upload

    # -- contacts -----------------------------------------------------------------------
    def follow_user_list(self, q: dict[str, str], b: Json) -> Json:
        return reply(follow_user=list(self.world.staff))

    def get_contact(self, q: dict[str, str], b: Json) -> Json:
        contact = self.world.contacts.get(q.get("external_userid", ""))
        if contact is None:
            raise SimError(84061)
        follows, cursor = _page(list(contact.follows.values()), q.get("cursor", ""), 500)
        return reply(external_contact=contact.as_json(), follow_user=follows, next_cursor=cursor)

    def batch_get_by_user(self, q: dict[str, str], b: Json) -> Json:
        users = set(b.get("userid_list") or [])
        if not users or len(users) > 100:
            raise SimError(40058, "userid_list must hold 1-100 userids")
        items = [
            {"external_contact": c.as_json(), "follow_info": {**f}}
            for c in self.world.contacts.values()
            for uid, f in c.follows.items()
            if uid in users
        ]
        page, cursor = _page(items, str(b.get("cursor") or ""), min(int(b.get("limit") or 50), 100))
        return reply(external_contact_list=page, next_cursor=cursor)

    def unionid_to_external(self, q: dict[str, str], b: Json) -> Json:
        unionid = b.get("unionid", "")
        found = [c for c in self.world.contacts.values() if unionid and c.unionid == unionid]
        info = [{"corpid": self.corp_id, "external_userid": c.external_userid} for c in found]
        return reply(external_userid_info=info)

    # -- tags ---------------------------------------------------------------------------
    def corp_tag_list(self, q: dict[str, str], b: Json) -> Json:
        # As documented: group_id wins over tag_id; with neither, everything.
        group_ids, tag_ids = set(b.get("group_id") or []), set(b.get("tag_id") or [])
        groups = []
        for g in self.world.tag_groups:
            if group_ids:
                tags = list(g["tag"]) if g["group_id"] in group_ids else []
            else:
                tags = [t for t in g["tag"] if not tag_ids or t["id"] in tag_ids]
            if tags:
                groups.append({**g, "tag": tags})
        return reply(tag_group=groups)

    def add_corp_tag(self, q: dict[str, str], b: Json) -> Json:
        group = next(
            (g for g in self.world.tag_groups if g["group_id"] == b.get("group_id")), None
        ) or next(
            (g for g in self.world.tag_groups if g["group_name"] == b.get("group_name")), None
        )
        if group is None:
            group = {"group_id": new_id("et", 8), "group_name": b.get("group_name", ""), "tag": []}
            group["create_time"] = int(self.clock())
            self.world.tag_groups.append(group)
        added = []
        for spec in b.get("tag") or []:
            tag = {"id": new_id("et", 10), "name": spec["name"], "create_time": int(self.clock())}
            group["tag"].append(tag)
            added.append(tag)
        return reply(tag_group={**group, "tag": added})

    def edit_corp_tag(self, q: dict[str, str], b: Json) -> Json:
        for group in self.world.tag_groups:
            if group["group_id"] == b.get("id"):
                group["group_name"] = b.get("name", group["group_name"])
                return reply()
            for tag in group["tag"]:
                if tag["id"] == b.get("id"):
                    tag["name"] = b.get("name", tag["name"])
                    return reply()
        raise SimError(40068, "invalid tagid")

    def del_corp_tag(self, q: dict[str, str], b: Json) -> Json:
        tags, groups = set(b.get("tag_id") or []), set(b.get("group_id") or [])
        self.world.tag_groups = [g for g in self.world.tag_groups if g["group_id"] not in groups]
        for group in self.world.tag_groups:
            group["tag"] = [t for t in group["tag"] if t["id"] not in tags]
        return reply()

    def mark_tag(self, q: dict[str, str], b: Json) -> Json:
        contact = self.world.contacts.get(b.get("external_userid", ""))
        follow = contact.follows.get(b.get("userid", "")) if contact else None
        if follow is None:
            raise SimError(84061)
        known = self.world.tag_ids()
        if any(t not in known for t in b.get("add_tag") or []):
            raise SimError(40068, "invalid tagid")
        tags = {t["tag_id"] for t in follow.get("tags", [])}
        tags |= set(b.get("add_tag") or [])
        tags -= set(b.get("remove_tag") or [])
        follow["tags"] = [{"tag_id": t, "type": 1} for t in sorted(tags)]
        return reply()

    # -- contact ways -------------------------------------------------------------------
    def _check_way(self, b: Json) -> None:
        if len(str(b.get("state", ""))) > STATE_MAX:
            raise SimError(40058, "state exceed max length 30")
        users = b.get("user") or []
        if not users or any(u not in self.world.staff for u in users):
            raise SimError(40098)

    def add_contact_way(self, q: dict[str, str], b: Json) -> Json:
        self._check_way(b)
        if b.get("type") == 1 and len(b["user"]) != 1:
            raise SimError(40058, "single contact way takes one user")
        config_id = new_id("", 16)
        self.world.ways[config_id] = {"config_id": config_id, **b}
        qr = qr_url(self.image_base, config_id)
        self.world.ways[config_id]["qr_code"] = qr
        return reply(config_id=config_id, qr_code=qr)

    def update_contact_way(self, q: dict[str, str], b: Json) -> Json:
        way = self.world.ways.get(b.get("config_id", ""))
        if way is None:
            raise SimError(40058, "invalid config_id")
        self._check_way({**way, **b})
        way.update(b)
        return reply()

    def qr_image(self, config_id: str) -> bytes | None:
        """The PNG behind a contact way's ``qr_code`` (None once it is deleted)."""
        with self.lock:
            if config_id not in self.world.ways:
                return None
        return qr_png(config_id)

    def get_contact_way(self, q: dict[str, str], b: Json) -> Json:
        way = self.world.ways.get(b.get("config_id", ""))
        if way is None:
            raise SimError(40058, "invalid config_id")
        return reply(contact_way=dict(way))

    def del_contact_way(self, q: dict[str, str], b: Json) -> Json:
        if self.world.ways.pop(b.get("config_id", ""), None) is None:
            raise SimError(40058, "invalid config_id")
        return reply()

    # -- messages -----------------------------------------------------------------------
    def send_welcome_msg(self, q: dict[str, str], b: Json) -> Json:
        code = self.world.welcome_codes.get(b.get("welcome_code", ""))
        now = self.clock()
        if code is None or now - code.issued_at > WELCOME_WINDOW:
            raise SimError(40058, "invalid welcome_code")
        if code.used:
            raise SimError(41051)
        for item in b.get("attachments") or []:
            if item.get("msgtype") != "miniprogram":
                continue
            # A card's cover must be a medium this corp uploaded less than 3 days ago.
            pic = str((item.get("miniprogram") or {}).get("pic_media_id", ""))
            uploaded = self.world.media.get(pic)
            if uploaded is None or now - uploaded > MEDIA_LIFETIME:
                raise SimError(40007, "invalid media_id")
        code.used = True
        self.world.welcomes.append(
            ReceivedWelcome(
                code.code,
                code.userid,
                code.external_userid,
                str((b.get("text") or {}).get("content", "")),
                tuple(b.get("attachments") or []),
                code.issued_at,
                now,
            )
        )
        return reply()

    def media_upload(self, q: dict[str, str], b: Json) -> Json:
        media_id = new_id("sim-media-", 16)
        self.world.media[media_id] = self.clock()
        return reply(
            type=q.get("type", "image"), media_id=media_id, created_at=str(int(self.clock()))
        )

    # -- groups and transfers -----------------------------------------------------------
    def groupchat_list(self, q: dict[str, str], b: Json) -> Json:
        owners = set((b.get("owner_filter") or {}).get("userid_list") or [])
        chats = [
            {"chat_id": g["chat_id"], "status": 0}
            for g in self.world.groups.values()
            if not owners or g["owner"] in owners
        ]
        page, cursor = _page(chats, str(b.get("cursor") or ""), int(b.get("limit") or 100))
        return reply(group_chat_list=page, next_cursor=cursor)

    def groupchat_get(self, q: dict[str, str], b: Json) -> Json:
        group = self.world.groups.get(b.get("chat_id", ""))
        if group is None:
            raise SimError(40050, "invalid chatid")
        return reply(group_chat=dict(group))

    def groupchat_transfer(self, q: dict[str, str], b: Json) -> Json:
        new_owner = str(b.get("new_owner", ""))
        failed = []
        for chat_id in b.get("chat_id_list") or []:
            group = self.world.groups.get(chat_id)
            if group is None:
                failed.append({"chat_id": chat_id, "errcode": 40050, "errmsg": "invalid chatid"})
            else:
                group["owner"] = new_owner
        return reply(failed_chat_list=failed)

    def transfer_customer(self, q: dict[str, str], b: Json) -> Json:
        handover, takeover = b.get("handover_userid", ""), b.get("takeover_userid", "")
        results = []
        for ext in b.get("external_userid") or []:
            contact = self.world.contacts.get(ext)
            ok = contact is not None and handover in contact.follows
            results.append({"external_userid": ext, "errcode": 0 if ok else 84061})
            if ok:
                self.world.transfers.setdefault((handover, takeover), {})[ext] = 2
        return reply(customer=results)

    def transfer_result(self, q: dict[str, str], b: Json) -> Json:
        pending = self.world.transfers.get(
            (str(b.get("handover_userid", "")), str(b.get("takeover_userid", ""))), {}
        )
        rows = [
            {"external_userid": e, "status": s, "takeover_time": int(self.clock())}
            for e, s in pending.items()
        ]
        page, cursor = _page(rows, str(b.get("cursor") or ""), 1000)
        return reply(customer=page, next_cursor=cursor)
