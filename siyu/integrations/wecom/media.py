"""Cover images of welcome cards and the content library's images, uploaded to WeCom ahead
of time.

A welcome variant names its mini-program card's cover by a key: a file name looked up in
``SIYU_COVERS_DIR`` (operators put their images there; default ``<data dir>/covers``),
then among the covers shipped with Siyu (``covers/`` beside this module). WeCom drops an
uploaded medium after three days, and a card without a live ``pic_media_id`` cannot be
sent; uploading inside an add's 20 s welcome window could miss it. So the worker uploads
every active cover hourly, and only when its cached id has less than a day left.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

from siyu.channels.models import WelcomeVariant
from siyu.content.models import Material
from siyu.content.scope import valid_now
from siyu.integrations.wecom.client.api import WeComClient

log = logging.getLogger(__name__)

SHIPPED = Path(__file__).with_name("covers")
KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
# What WeCom's media/upload takes as an image.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
MAX_IMAGE_BYTES = 10 * 1024 * 1024

CoverLoader = Callable[[str], tuple[str, bytes]]


def cover_dirs() -> list[Path]:
    return [Path(settings.SIYU_COVERS_DIR), SHIPPED]


def load_cover(key: str) -> tuple[str, bytes]:
    """(file name, bytes) of the cover called ``key``; ValueError or FileNotFoundError
    with the reason an operator needs."""
    if not KEY.fullmatch(key) or not key.lower().endswith(IMAGE_SUFFIXES):
        raise ValueError(f"cover {key!r}: a .png or .jpg file name without directories")
    for directory in cover_dirs():
        path = directory / key
        if path.is_file():
            content = path.read_bytes()
            if len(content) > MAX_IMAGE_BYTES:
                raise ValueError(f"cover {key!r} is {len(content)} bytes; WeCom takes 10 MB")
            return key, content
    places = ", ".join(str(d) for d in cover_dirs())
    raise FileNotFoundError(f"cover {key!r} is in none of: {places}")


def library_media_keys() -> list[str]:
    """Images of the content library's materials in use now (posters, images, card
    covers): the sidebar sends them by their cached media id."""
    used = Material.objects.filter(valid_now()).exclude(media_key="")
    keys = used.values_list("media_key", flat=True).distinct()
    return [k for k in keys if k.lower().endswith(IMAGE_SUFFIXES)]


def prepare_welcome_media(client: WeComClient, load: CoverLoader = load_cover) -> dict[str, int]:
    """Make sure every active variant's cover has a media id that lives another day.
    One missing or broken cover is logged and skipped; the others still go up."""
    active = WelcomeVariant.objects.filter(is_active=True)
    keys = set(active.exclude(miniprogram_cover="").values_list("miniprogram_cover", flat=True))
    keys |= set(library_media_keys())
    keys |= set(
        active.exclude(card=None)
        .exclude(card__media_key="")
        .values_list("card__media_key", flat=True)
    )
    counts = {"ready": 0, "missing": 0}
    for key in sorted(keys):
        try:
            filename, content = load(key)
        except (OSError, ValueError) as exc:
            log.error("welcome cover not uploaded: %s", exc)
            counts["missing"] += 1
            continue
        client.ensure_media(key, "image", filename, content)
        counts["ready"] += 1
    return counts


def available_covers() -> list[str]:
    """Cover keys an operator can pick: image files in the covers directories."""
    keys: set[str] = set()
    for directory in cover_dirs():
        if directory.is_dir():
            keys.update(
                p.name
                for p in directory.iterdir()
                if p.is_file() and KEY.fullmatch(p.name) and p.suffix.lower() in IMAGE_SUFFIXES
            )
    return sorted(keys)


def store_cover(filename: str, content: bytes) -> str:
    """Save an uploaded cover into ``SIYU_COVERS_DIR`` and return its key. A different
    image under a name already taken gets a new name: the key is what the media cache
    (and WeCom's media id) hangs on, so a file is never replaced under a live key."""
    if not KEY.fullmatch(filename) or not filename.lower().endswith(IMAGE_SUFFIXES):
        raise ValueError(f"cover {filename!r}: a .png or .jpg file name without directories")
    if len(content) > MAX_IMAGE_BYTES:
        raise ValueError(f"cover {filename!r} is {len(content)} bytes; WeCom takes 10 MB")
    directory = Path(settings.SIYU_COVERS_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    key = filename
    existing = directory / key
    if existing.exists() and existing.read_bytes() != content:
        stem, _, suffix = filename.rpartition(".")
        key = f"{stem[:150]}-{hashlib.sha256(content).hexdigest()[:8]}.{suffix}"
    (directory / key).write_bytes(content)
    return key
