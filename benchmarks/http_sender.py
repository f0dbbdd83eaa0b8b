"""A minimal HTTP/1.1 load sender for the callback benchmark: pre-built requests over
keep-alive connections on asyncio, so that the sender (standing for WeCom's servers, which
are not on this machine) takes as little of the machine's CPU as it can."""

from __future__ import annotations

import asyncio
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

Request = tuple[str, str, bytes]  # ext, xml, raw HTTP request


def http_request(path: str, query: dict[str, str], body: str) -> bytes:
    data = body.encode()
    head = (
        f"POST {path}?{urllib.parse.urlencode(query)} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: text/xml\r\nContent-Length: {len(data)}\r\n\r\n"
    )
    return head.encode() + data


@dataclass
class Sent:
    latencies: list[float] = field(default_factory=list)
    acked: set[str] = field(default_factory=set)
    requests: int = 0
    refused: int = 0
    seconds: float = 0.0


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes
) -> tuple[int, bytes]:
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return int(head[9:12]), await reader.readexactly(length)


async def _connection(
    port: int, requests: list[Request], sent: Sent, reseal: Callable[[str], bytes]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for ext, xml, raw in requests:
        ok = False
        for attempt in range(3):  # WeCom retries a callback that was not acknowledged
            if attempt:
                raw = reseal(xml)
            started = time.perf_counter()
            try:
                status, body = await _exchange(reader, writer, raw)
            except (OSError, asyncio.IncompleteReadError):
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                continue
            finally:
                sent.latencies.append(time.perf_counter() - started)
            if status == 200 and body == b"success":
                ok = True
                break
        sent.requests += 1
        if ok:
            sent.acked.add(ext)
        else:
            sent.refused += 1
    writer.close()


def send(
    url: str,
    requests: list[Request],
    connections: int,
    sent: Sent,
    reseal: Callable[[str], bytes],
) -> None:
    """Each request over one of ``connections`` keep-alive connections, up to three tries."""
    port = urllib.parse.urlsplit(url).port or 80

    async def run() -> None:
        chunks = [requests[i::connections] for i in range(connections)]
        await asyncio.gather(*(_connection(port, c, sent, reseal) for c in chunks))

    started = time.perf_counter()
    asyncio.run(run())
    sent.seconds = time.perf_counter() - started


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000
