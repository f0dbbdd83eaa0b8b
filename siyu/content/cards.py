"""Mini-program cards as library materials: a welcome variant's card is a reference to one
(the channels app holds the reference; the console's welcome editor makes the material)."""

from __future__ import annotations

from siyu.content.library import MaterialInput, save_material
from siyu.content.models import Material, MaterialKind

CARD_FOLDER = "欢迎语卡片"


def ensure_card(title: str, appid: str, page: str, cover: str) -> Material | None:
    """The library's card with exactly this content, made when there is none."""
    if not (appid and page):
        return None
    found = Material.objects.filter(
        kind=MaterialKind.MINIPROGRAM,
        title=title[:100],
        miniprogram_appid=appid,
        miniprogram_page=page,
        media_key=cover,
    ).first()
    if found is not None:
        return found
    return save_material(
        MaterialInput(
            title=title[:100] or page,
            kind=MaterialKind.MINIPROGRAM,
            miniprogram_appid=appid,
            miniprogram_page=page,
            media_key=cover,
            folder=CARD_FOLDER,
        )
    )
