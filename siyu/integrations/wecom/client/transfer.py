"""Handing customers from one staff member to another (在职转接 / 离职继承).

A transfer is accepted at once but completes within 24 h (the customer may refuse), so
callers poll ``transfer_results`` and apply the follow change only for status 1.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from siyu.integrations.wecom.client.core import Json, WeComCore

EC = "/cgi-bin/externalcontact"
TRANSFER_BATCH = 100
STATUS_DONE, STATUS_WAITING, STATUS_REFUSED, STATUS_LIMITED = 1, 2, 3, 4


class TransferAPI(WeComCore):
    def transfer_customers(
        self,
        handover: str,
        takeover: str,
        external_userids: Sequence[str],
        *,
        resigned: bool = False,
        message: str = "",
    ) -> dict[str, int]:
        """Start transfers (≤100 per call, chunked). Returns errcode per external userid."""
        path = f"{EC}/resigned/transfer_customer" if resigned else f"{EC}/transfer_customer"
        result: dict[str, int] = {}
        for start in range(0, len(external_userids), TRANSFER_BATCH):
            body: Json = {
                "handover_userid": handover,
                "takeover_userid": takeover,
                "external_userid": list(external_userids[start : start + TRANSFER_BATCH]),
            }
            if message and not resigned:
                body["transfer_success_msg"] = message[:200]
            for item in self.post(path, body).get("customer", []):
                result[str(item["external_userid"])] = int(item.get("errcode", 0))
        return result

    def transfer_results(
        self, handover: str, takeover: str, *, resigned: bool = False
    ) -> Iterator[Json]:
        path = f"{EC}/resigned/transfer_result" if resigned else f"{EC}/transfer_result"
        cursor = ""
        while True:
            body = {"handover_userid": handover, "takeover_userid": takeover, "cursor": cursor}
            data = self.post(path, body)
            yield from data.get("customer", [])
            cursor = str(data.get("next_cursor") or "")
            if not cursor:
                return
