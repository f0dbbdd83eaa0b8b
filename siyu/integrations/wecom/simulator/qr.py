"""The QR images of simulated contact ways, as real PNGs.

WeCom answers add_contact_way with a ``qr_code`` URL on its image host; fetching it gives
the PNG a poster prints. The simulator serves the same: GET ``/wwpic/sim/<config_id>/0``
answers a scannable QR (segno, pure Python) of the contact way's join link.
"""

from __future__ import annotations

import io
import re

import segno

QR_PATH = re.compile(r"^/wwpic/sim/(?P<config_id>[0-9a-zA-Z]{1,64})/0$")
# WeCom's own image host; `start_server` replaces it with the simulator's address.
DEFAULT_IMAGE_BASE = "https://wework.qpic.cn"


def qr_url(image_base: str, config_id: str) -> str:
    return f"{image_base}/wwpic/sim/{config_id}/0"


def join_link(config_id: str) -> str:
    """What the QR encodes: a contact way's join page, as WeCom's codes do."""
    return f"https://work.weixin.qq.com/ca/sim{config_id}"


def qr_png(config_id: str) -> bytes:
    out = io.BytesIO()
    segno.make_qr(join_link(config_id), error="m").save(out, kind="png", scale=8, border=4)
    return out.getvalue()


def config_id_of(path: str) -> str | None:
    match = QR_PATH.match(path)
    return match["config_id"] if match else None
