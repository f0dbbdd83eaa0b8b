"""Serving the simulator: as an httpx MockTransport (tests, no socket) or over real HTTP
(`siyu wecom-sim`, and a loopback thread in tests and the demo)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import httpx

from siyu.integrations.wecom.simulator.groupmsg import GroupMsgSim
from siyu.integrations.wecom.simulator.joinways import JoinWaySim
from siyu.integrations.wecom.simulator.jssdk import JsSdkSim
from siyu.integrations.wecom.simulator.qr import config_id_of
from siyu.integrations.wecom.simulator.state import Json

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
# The sidebar page (another origin) calls the simulated client's endpoints.
CORS = [("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Headers", "Content-Type")]


class Simulator(JsSdkSim, GroupMsgSim, JoinWaySim):
    """A WeCom corp in memory. Use ``transport()`` with httpx, or ``wsgi`` over HTTP."""

    def transport(self, client_ip: str = "127.0.0.1") -> httpx.MockTransport:
        def answer(request: httpx.Request) -> httpx.Response:
            config_id = config_id_of(request.url.path) if request.method == "GET" else None
            if config_id is not None:
                png = self.qr_image(config_id)
                if png is None:
                    return httpx.Response(404)
                return httpx.Response(200, content=png, headers={"Content-Type": "image/png"})
            query = dict(request.url.params.multi_items())
            body = _body(request.headers.get("content-type", ""), request.content)
            data = self.handle(request.method, request.url.path, query, body, client_ip)
            return httpx.Response(200, json=data)

        return httpx.MockTransport(answer)

    def wsgi(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        config_id = config_id_of(environ.get("PATH_INFO", "/"))
        if config_id is not None and environ["REQUEST_METHOD"] == "GET":
            png = self.qr_image(config_id)
            if png is None:
                start_response("404 Not Found", [("Content-Type", "text/plain")])
                return [b"no such contact way"]
            start_response("200 OK", [("Content-Type", "image/png")])
            return [png]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        client = self.client_http(environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/"), raw)
        if client is not None:  # the JS-SDK client a sidebar page runs in
            status, content_type, payload = client
            start_response(status, [("Content-Type", content_type), *CORS])
            return [payload]
        query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        body = _body(environ.get("CONTENT_TYPE", ""), raw)
        ip = str(environ.get("REMOTE_ADDR", ""))
        data = self.handle(
            environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/"), query, body, ip
        )
        payload = json.dumps(data, ensure_ascii=False).encode()
        start_response("200 OK", [("Content-Type", "application/json; charset=utf-8")])
        return [payload]


def _body(content_type: str, raw: bytes) -> Json:
    # Media uploads are multipart; the simulator only needs to know one arrived.
    if not raw or "multipart/" in content_type:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


@dataclass
class RunningServer:
    url: str
    server: Any
    thread: threading.Thread

    def stop(self) -> None:
        self.server.close()
        self.thread.join(timeout=5)


def start_server(sim: Simulator, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Serve ``sim`` on a loopback port in a daemon thread (port 0 = any free port)."""
    import waitress.server  # type: ignore[import-untyped]  # no bundled types

    server = waitress.server.create_server(
        sim.wsgi, host=host, port=port, threads=4, ident="wecom-sim"
    )
    bound_port = server.effective_port
    # QR images of contact ways made from now on are fetched from this server.
    sim.image_base = f"http://{host}:{bound_port}"
    thread = threading.Thread(target=server.run, name="wecom-sim", daemon=True)
    thread.start()
    return RunningServer(f"http://{host}:{bound_port}", server, thread)
