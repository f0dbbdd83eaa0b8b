"""The simulator's JS-SDK side: the two ticket endpoints, and the WeCom client a sidebar
page runs in (``/sim/jwxwork.js`` stands in for WeCom's jwxwork script).

``wx.agentConfig`` is checked here against the tickets this simulator issued, with WeCom's
algorithm; ``getCurExternalContact`` / ``getCurExternalChat`` answer the chat a test (or the
``/sim/client`` page) opened with ``open_chat``; ``sendChatMessage`` is recorded in
``chat_messages``. A page that skipped or failed agentConfig gets "no permission".
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from siyu.integrations.wecom.simulator.core import SimCore, SimError, reply
from siyu.integrations.wecom.simulator.state import TOKEN_LIFETIME, Json, new_id

SHIM = Path(__file__).with_name("static") / "jwxwork.js"
CLIENT_PAGE = Path(__file__).with_name("static") / "client.html"


def _sign(ticket: str, noncestr: str, timestamp: str, url: str) -> str:
    plain = f"jsapi_ticket={ticket}&noncestr={noncestr}&timestamp={timestamp}&url={url}"
    return hashlib.sha1(plain.encode()).hexdigest()  # noqa: S324 - WeCom's algorithm


@dataclass
class OpenChat:
    userid: str
    external_userid: str = ""
    chat_id: str = ""
    entry: str = "single_chat_tools"


@dataclass
class ClientState:
    chat: OpenChat | None = None
    # Page URLs whose agentConfig passed (WeCom grants per page load).
    granted: set[str] = field(default_factory=set)
    sent: list[Json] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    sidebar_url: str = ""


class JsSdkSim(SimCore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tickets: dict[str, str] = {}
        self.client_state = ClientState()
        self.routes["/cgi-bin/get_jsapi_ticket"] = self.get_jsapi_ticket
        self.routes["/cgi-bin/ticket/get"] = self.get_agent_ticket

    # -- ticket endpoints -----------------------------------------------------------------
    def _issue(self, kind: str) -> Json:
        self.tickets[kind] = new_id(f"sim-{kind}-ticket-", 16)
        return reply(ticket=self.tickets[kind], expires_in=TOKEN_LIFETIME)

    def get_jsapi_ticket(self, q: dict[str, str], b: Json) -> Json:
        return self._issue("corp")

    def get_agent_ticket(self, q: dict[str, str], b: Json) -> Json:
        if q.get("type") != "agent_config":
            raise SimError(40058, "invalid type")
        return self._issue("agent")

    # -- the client -------------------------------------------------------------------------
    @property
    def chat_messages(self) -> list[Json]:
        return self.client_state.sent

    def open_chat(self, userid: str, *, external_userid: str = "", chat_id: str = "") -> None:
        """The staff member opens a chat with a customer (or a group) and its sidebar."""
        entry = "group_chat_tools" if chat_id else "single_chat_tools"
        with self.lock:
            self.client_state.chat = OpenChat(userid, external_userid, chat_id, entry)

    def verify(self, kind: str, data: Json) -> bool:
        ticket = self.tickets.get(kind, "")
        expected = _sign(
            ticket, str(data.get("nonceStr", "")), str(data.get("timestamp", "")),
            str(data.get("url", "")).split("#", 1)[0],
        )  # fmt: skip
        return bool(ticket) and expected == data.get("signature")

    def client_call(self, action: str, data: Json) -> tuple[int, Json]:
        """One call of the JS shim: (HTTP status, the callback's result)."""
        with self.lock:
            state = self.client_state
            if action == "agent_config":
                return self._agent_config(data)
            if action == "open":
                self.open_chat(
                    str(data.get("userid", "")),
                    external_userid=str(data.get("external_userid", "")),
                    chat_id=str(data.get("chat_id", "")),
                )
                return 200, {"err_msg": "open:ok"}
            name = str(data.get("api", ""))
            if str(data.get("url", "")).split("#", 1)[0] not in state.granted:
                return 200, {"err_msg": f"{name}:fail no permission"}
            return 200, self._invoke(name, data.get("args") or {})

    def _agent_config(self, data: Json) -> tuple[int, Json]:
        state = self.client_state
        config, agent = data.get("config") or {}, data.get("agent") or {}
        url = str(data.get("url", "")).split("#", 1)[0]
        ok = (
            config.get("corpid") == self.corp_id
            and self.verify("corp", {**config, "url": url})
            and self.verify("agent", {**agent, "url": url})
        )
        if not ok:
            state.rejected.append(url)
            return 200, {"err_msg": "agentConfig:fail invalid signature"}
        state.granted.add(url)
        return 200, {"err_msg": "agentConfig:ok"}

    def _invoke(self, name: str, args: Json) -> Json:
        chat = self.client_state.chat
        if name == "getCurExternalContact":
            if chat is None or not chat.external_userid:
                return {"err_msg": f"{name}:fail not in a single chat"}
            return {"err_msg": f"{name}:ok", "userId": chat.external_userid}
        if name == "getCurExternalChat":
            if chat is None or not chat.chat_id:
                return {"err_msg": f"{name}:fail not in a group chat"}
            return {"err_msg": f"{name}:ok", "chatId": chat.chat_id}
        if name == "getContext":
            return {"err_msg": f"{name}:ok", "entry": chat.entry if chat else "normal"}
        if name == "sendChatMessage":
            if chat is None:
                return {"err_msg": f"{name}:fail no chat"}
            msgtype = str(args.get("msgtype", "text"))
            if msgtype not in ("text", "image", "video", "file", "news", "miniprogram"):
                return {"err_msg": f"{name}:fail invalid msgtype"}
            self.client_state.sent.append(
                {"userid": chat.userid, "external_userid": chat.external_userid,
                 "chat_id": chat.chat_id, **args}
            )  # fmt: skip
            return {"err_msg": f"{name}:ok"}
        return {"err_msg": f"{name}:fail unknown api"}

    # -- HTTP -----------------------------------------------------------------------------------
    def client_http(self, method: str, path: str, raw: bytes) -> tuple[str, str, bytes] | None:
        """(status, content type, body) for the ``/sim/`` paths, None for any other path."""
        if path == "/sim/jwxwork.js":
            return "200 OK", "application/javascript; charset=utf-8", SHIM.read_bytes()
        if path == "/sim/client":
            return "200 OK", "text/html; charset=utf-8", CLIENT_PAGE.read_bytes()
        if not path.startswith("/sim/client/"):
            return None
        if method == "OPTIONS":
            return "204 No Content", "text/plain", b""
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            data = {}
        status, body = self.client_call(path.removeprefix("/sim/client/"), data)
        text = json.dumps(body, ensure_ascii=False).encode()
        return f"{status} OK", "application/json; charset=utf-8", text
