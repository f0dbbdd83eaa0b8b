"""A tiny fake of api.weixin.qq.com: ``GET /sns/jscode2session``, ``GET /cgi-bin/token``,
``GET /cgi-bin/user/info`` and ``POST /cgi-bin/message/template/send``, speaking WeChat's
documented JSON and errcodes; ``job_finish_xml`` writes the ``TEMPLATESENDJOBFINISH`` push
WeChat makes to the account's push URL once a template message is delivered or not.

Use it in-process as an httpx MockTransport (``WechatSimulator().transport()``) or serve it
with waitress (``WechatSimulator().wsgi``). Errors are HTTP 200 with an errcode, like WeChat.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx

Reply = dict[str, Any]


def _err(errcode: int, errmsg: str) -> Reply:
    return {"errcode": errcode, "errmsg": errmsg}


@dataclass
class WechatSimulator:
    mp_appid: str
    mp_secret: str
    oa_appid: str = ""
    oa_secret: str = ""
    # code -> (openid, unionid or ""); WeChat login codes are single-use.
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)
    # code -> errcode the next exchange of it answers (40029, 45011, 40226, -1 ...).
    failing: dict[str, list[int]] = field(default_factory=dict)
    # official-account openid -> unionid ("" when the account is not bound to an open platform).
    followers: dict[str, str] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)
    # Template messages: template_id -> the data keys it needs; followers who left or
    # blacklisted the account; errcodes the next template sends answer; what was sent.
    templates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unsubscribed: set[str] = field(default_factory=set)
    blacklisted: set[str] = field(default_factory=set)
    failing_sends: list[int] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    _reentry: dict[tuple[str, str], int] = field(default_factory=dict)

    def issue_code(self, openid: str, unionid: str = "") -> str:
        code = secrets.token_hex(16)
        self.codes[code] = (openid, unionid)
        return code

    def revoke_tokens(self) -> None:
        self.tokens.clear()

    # --- endpoints ---------------------------------------------------------------------

    def jscode2session(self, q: dict[str, str]) -> Reply:
        if q.get("appid") != self.mp_appid or q.get("secret") != self.mp_secret:
            return _err(40013, "invalid appid")
        if q.get("grant_type") != "authorization_code":
            return _err(40002, "invalid grant_type")
        code = q.get("js_code", "")
        queued = self.failing.get(code)
        if queued:
            errcode = queued.pop(0)
            return _err(errcode, {-1: "system error"}.get(errcode, "simulated error"))
        if code not in self.codes:
            return _err(40029, "invalid code")
        openid, unionid = self.codes.pop(code)
        reply: Reply = {"openid": openid, "session_key": secrets.token_urlsafe(18)}
        if unionid:
            reply["unionid"] = unionid
        return reply

    def token(self, q: dict[str, str]) -> Reply:
        if q.get("appid") != self.oa_appid:
            return _err(40013, "invalid appid")
        if q.get("secret") != self.oa_secret:
            return _err(40125, "invalid appsecret")
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        return {"access_token": token, "expires_in": 7200}

    def user_info(self, q: dict[str, str]) -> Reply:
        if q.get("access_token") not in self.tokens:
            return _err(40001, "invalid credential, access_token is invalid or not latest")
        openid = q.get("openid", "")
        if openid not in self.followers:
            return _err(40003, "invalid openid")
        reply: Reply = {
            "subscribe": 1,
            "openid": openid,
            "language": "zh_CN",
            "subscribe_time": 0,
            "remark": "",
            "groupid": 0,
            "tagid_list": [],
            "subscribe_scene": "ADD_SCENE_QR_CODE",
            "qr_scene": 0,
            "qr_scene_str": "",
        }
        if self.followers[openid]:
            reply["unionid"] = self.followers[openid]
        return reply

    def _recipient_error(self, openid: str) -> Reply | None:
        if openid in self.unsubscribed:
            return _err(43004, "require subscribe")
        if openid in self.blacklisted:
            return _err(43019, "require remove blacklist")
        if openid not in self.followers:
            return _err(40003, "invalid openid")
        return None

    def _data_error(self, body: dict[str, Any]) -> Reply | None:
        needed = self.templates.get(str(body.get("template_id", "")))
        if needed is None:
            return _err(40037, "invalid template_id")
        data = body.get("data")
        if not isinstance(data, dict):
            return _err(47001, "data format error")
        for key in needed:
            value = data.get(key)
            if not isinstance(value, dict) or not str(value.get("value") or "").strip():
                return _err(47003, f"argument invalid! data.{key}.value empty")
        page = body.get("miniprogram")
        if page is not None and (not isinstance(page, dict) or page.get("appid") != self.mp_appid):
            return _err(40165, "invalid weapp pagepath")
        return None

    def template_send(self, q: dict[str, str], body: Any) -> Reply:
        if q.get("access_token") not in self.tokens:
            return _err(40001, "invalid credential, access_token is invalid or not latest")
        if not isinstance(body, dict):
            return _err(47001, "data format error")
        if self.failing_sends:
            errcode = self.failing_sends.pop(0)
            return _err(errcode, {-1: "system error"}.get(errcode, "simulated error"))
        openid = str(body.get("touser", ""))
        error = self._recipient_error(openid) or self._data_error(body)
        if error:
            return error
        reentry = (openid, str(body.get("client_msg_id") or ""))
        if reentry[1] and reentry in self._reentry:  # the same message again: sent once
            return {"errcode": 0, "errmsg": "ok", "msgid": self._reentry[reentry]}
        msgid = 200_000_000 + len(self.sent) + 1
        self.sent.append({**body, "msgid": msgid})
        if reentry[1]:
            self._reentry[reentry] = msgid
        return {"errcode": 0, "errmsg": "ok", "msgid": msgid}

    def job_finish_xml(self, msgid: int, status: str = "success") -> bytes:
        """The push WeChat makes when a template message was delivered (``success``) or
        not (``failed:user block``, ``failed: system failed``)."""
        openid = next(str(m["touser"]) for m in self.sent if m["msgid"] == msgid)
        return (
            f"<xml><ToUserName><![CDATA[gh_{self.oa_appid}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime>"
            "<MsgType><![CDATA[event]]></MsgType>"
            "<Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event>"
            f"<MsgID>{msgid}</MsgID><Status><![CDATA[{status}]]></Status></xml>"
        ).encode()

    def oauth_access_token(self, q: dict[str, str]) -> Reply:
        """Web OAuth (snsapi_base): the official account's openid for a code."""
        if q.get("appid") != self.oa_appid:
            return _err(40013, "invalid appid")
        if q.get("secret") != self.oa_secret:
            return _err(40125, "invalid appsecret")
        code = q.get("code", "")
        if code not in self.codes:
            return _err(40029, "invalid code")
        openid, _unionid = self.codes.pop(code)
        return {
            "access_token": secrets.token_urlsafe(24),
            "expires_in": 7200,
            "refresh_token": secrets.token_urlsafe(24),
            "openid": openid,
            "scope": "snsapi_base",
        }

    def _routes(self) -> dict[str, Callable[[dict[str, str]], Reply]]:
        return {
            "/sns/jscode2session": self.jscode2session,
            "/cgi-bin/token": self.token,
            "/cgi-bin/user/info": self.user_info,
            "/sns/oauth2/access_token": self.oauth_access_token,
        }

    def answer(
        self, method: str, path: str, query: dict[str, str], body: bytes = b""
    ) -> tuple[int, Reply]:
        self.calls.append(path)
        if method == "POST" and path == "/cgi-bin/message/template/send":
            try:
                parsed: Any = json.loads(body or b"null")
            except ValueError:
                parsed = None
            return 200, self.template_send(query, parsed)
        route = self._routes().get(path)
        if method != "GET" or route is None:
            return 404, _err(-1, "not found")
        return 200, route(query)

    # --- adapters ----------------------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            query = dict(request.url.params.items())
            status, body = self.answer(request.method, request.url.path, query, request.read())
            return httpx.Response(status, json=body)

        return httpx.MockTransport(handle)

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        raw = parse_qs(str(environ.get("QUERY_STRING", "")))
        query = {k: v[0] for k, v in raw.items()}
        length = str(environ.get("CONTENT_LENGTH") or "0")
        size = min(int(length), 1 << 20) if length.isdigit() else 0
        raw_body = environ["wsgi.input"].read(size) if size else b""
        status, body = self.answer(
            str(environ.get("REQUEST_METHOD", "GET")),
            str(environ.get("PATH_INFO", "/")),
            query,
            raw_body,
        )
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        start_response(
            f"{status} {'OK' if status == 200 else 'Not Found'}",
            [("Content-Type", "application/json; charset=utf-8")],
        )
        return [payload]
