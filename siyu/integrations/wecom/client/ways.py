"""Contact ways (渠道活码): QR codes whose adds carry our `state`."""

from __future__ import annotations

from collections.abc import Sequence

from siyu.integrations.wecom.client.core import Json, WeComCore

EC = "/cgi-bin/externalcontact"
SINGLE, MULTI = 1, 2
SCENE_QR = 2


def _way_body(state: str, userids: Sequence[str], skip_verify: bool, remark: str) -> Json:
    return {
        "type": SINGLE if len(userids) == 1 else MULTI,
        "scene": SCENE_QR,
        "state": state,
        "user": list(userids),
        "skip_verify": skip_verify,
        "remark": remark[:30],  # WeCom's limit; the remark only shows in our own tools
    }


class WaysAPI(WeComCore):
    def add_contact_way(
        self, state: str, userids: Sequence[str], *, skip_verify: bool = True, remark: str = ""
    ) -> Json:
        """Returns {config_id, qr_code}; keep config_id, API-made ways are invisible in
        the admin console."""
        data = self.post(f"{EC}/add_contact_way", _way_body(state, userids, skip_verify, remark))
        return {"config_id": data["config_id"], "qr_code": data.get("qr_code", "")}

    def update_contact_way(
        self,
        config_id: str,
        state: str,
        userids: Sequence[str],
        *,
        skip_verify: bool = True,
        remark: str = "",
    ) -> None:
        """Overwrites the user list (not a merge)."""
        body = _way_body(state, userids, skip_verify, remark)
        body.pop("type")
        body.pop("scene")
        self.post(f"{EC}/update_contact_way", {"config_id": config_id, **body})

    def del_contact_way(self, config_id: str) -> None:
        self.post(f"{EC}/del_contact_way", {"config_id": config_id})

    def get_contact_way(self, config_id: str) -> Json:
        return dict(self.post(f"{EC}/get_contact_way", {"config_id": config_id})["contact_way"])
