"""Write paths of the library: save a material (a new version each time), its variants,
folders and tags. One transaction each."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from siyu.content.models import (
    ContentTag,
    Folder,
    Material,
    MaterialKind,
    MaterialVariant,
    MaterialVersion,
)
from siyu.core.models import Role, Staff

SNAPSHOT_FIELDS = (
    "title", "kind", "text", "url", "media_key", "miniprogram_appid", "miniprogram_page",
)  # fmt: skip


class MaterialError(ValueError):
    pass


@dataclass(frozen=True)
class MaterialInput:
    title: str
    kind: str
    text: str = ""
    url: str = ""
    media_key: str = ""
    miniprogram_appid: str = ""
    miniprogram_page: str = ""
    folder: str = ""
    tags: tuple[str, ...] = ()
    org_unit_ids: tuple[int, ...] = ()
    roles: tuple[str, ...] = ()
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    is_active: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def _check(data: MaterialInput) -> None:
    if data.kind not in MaterialKind.values:
        raise MaterialError(f"unknown kind {data.kind!r}")
    if data.kind in (MaterialKind.ARTICLE, MaterialKind.LINK) and not data.url:
        raise MaterialError("an article or link needs its URL")
    if data.kind == MaterialKind.MINIPROGRAM and not (
        data.miniprogram_appid and data.miniprogram_page
    ):
        raise MaterialError("a mini-program card needs its appid and page")
    if data.valid_from and data.valid_until and data.valid_until <= data.valid_from:
        raise MaterialError("valid until must be after valid from")
    if any(r not in Role.values for r in data.roles):
        raise MaterialError("unknown role")


def save_material(
    data: MaterialInput, *, material: Material | None = None, by: Staff | None = None
) -> Material:
    """Create or edit a material; every save that changes what it says is a new version."""
    _check(data)
    values = {f: getattr(data, f) for f in SNAPSHOT_FIELDS}
    with transaction.atomic():
        folder = Folder.objects.get_or_create(name=data.folder)[0] if data.folder else None
        scope = {
            "folder": folder,
            "roles": f",{','.join(sorted(set(data.roles)))}," if data.roles else "",
            "valid_from": data.valid_from,
            "valid_until": data.valid_until,
            "is_active": data.is_active,
        }
        if material is None:
            material = Material.objects.create(**values, **scope, created_by=by)
            changed = True
        else:
            material = Material.objects.select_for_update().get(pk=material.pk)
            changed = any(getattr(material, f) != v for f, v in values.items())
            for name, value in {**values, **scope}.items():
                setattr(material, name, value)
            if changed:
                material.version += 1
            material.save()
        if changed:
            MaterialVersion.objects.create(
                material=material, number=material.version, snapshot=values, created_by=by
            )
        material.tags.set([ContentTag.objects.get_or_create(name=t)[0] for t in data.tags if t])
        material.org_units.set(data.org_unit_ids)
    return material


def save_variant(
    material: Material,
    *,
    name: str,
    title: str = "",
    text: str = "",
    weight: int = 1,
    is_active: bool = True,
) -> MaterialVariant:
    try:
        with transaction.atomic():
            variant, _created = MaterialVariant.objects.update_or_create(
                material=material,
                name=name,
                defaults={"title": title, "text": text, "weight": weight, "is_active": is_active},
            )
    except IntegrityError as exc:  # pragma: no cover - update_or_create race
        raise MaterialError("variant exists") from exc
    return variant
