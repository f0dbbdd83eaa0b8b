"""A channel code's QR image, fetched from the ``qr_code`` URL WeCom gave for it.

The console shows and offers the image from its own origin (the strict CSP allows images
from 'self' only), so the server fetches it: through the same transport as every WeCom
call (the simulator in tests and the demo), never inside a database transaction.
"""

from __future__ import annotations

import httpx

from siyu.integrations.wecom.transport import current_transport

MAX_QR_BYTES = 2 * 1024 * 1024
IMAGE_TYPES = ("image/png", "image/jpeg")


class QrUnavailable(Exception):
    pass


def fetch_qr_image(url: str) -> tuple[bytes, str]:
    """(bytes, content type) of the QR image; QrUnavailable with the reason otherwise."""
    if not url.startswith(("https://", "http://")):
        raise QrUnavailable("no QR image URL")
    try:
        with httpx.Client(transport=current_transport(), timeout=5.0) as http:
            response = http.get(url)
    except httpx.HTTPError as exc:
        raise QrUnavailable(f"cannot fetch the QR image: {exc}") from exc
    kind = response.headers.get("content-type", "").split(";")[0].strip()
    if response.status_code != 200 or kind not in IMAGE_TYPES:
        raise QrUnavailable(f"the QR image answered HTTP {response.status_code} ({kind})")
    if len(response.content) > MAX_QR_BYTES:
        raise QrUnavailable("the QR image is too large")
    return response.content, kind
