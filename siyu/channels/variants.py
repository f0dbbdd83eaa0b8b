"""Write welcome variants: the text and mini-program card a channel greets new contacts with."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from siyu.channels.models import Channel, WelcomeVariant


class VariantError(ValueError):
    pass


@dataclass(frozen=True)
class VariantInput:
    name: str
    text: str
    miniprogram_title: str = ""
    miniprogram_appid: str = ""
    miniprogram_page: str = ""
    miniprogram_cover: str = ""
    weight: int = 1
    is_active: bool = True
    # The card as a library material (siyu/content/cards.py), None: no card.
    card_id: int | None = None


def save_variant(
    channel: Channel, data: VariantInput, *, variant: WelcomeVariant | None = None
) -> WelcomeVariant:
    """Create a variant of ``channel``, or change ``variant`` (which must be the channel's).
    Names are unique per channel."""
    if not data.name.strip() or not data.text.strip():
        raise VariantError("a welcome variant needs a name and a text")
    if data.miniprogram_appid and not (data.miniprogram_title and data.miniprogram_page):
        raise VariantError("a mini-program card needs a title and a page")
    if variant is not None and variant.channel_id != channel.pk:
        raise VariantError("the variant belongs to another channel")
    fields = {
        "name": data.name.strip(),
        "text": data.text.strip(),
        "miniprogram_title": data.miniprogram_title,
        "miniprogram_appid": data.miniprogram_appid,
        "miniprogram_page": data.miniprogram_page,
        "miniprogram_cover": data.miniprogram_cover,
        "weight": data.weight,
        "is_active": data.is_active,
        "card_id": data.card_id,
    }
    try:
        with transaction.atomic():
            if variant is None:
                return WelcomeVariant.objects.create(channel=channel, **fields)
            WelcomeVariant.objects.filter(pk=variant.pk).update(**fields)
    except IntegrityError:
        raise VariantError(f"the channel already has a variant named {data.name!r}") from None
    variant.refresh_from_db()
    return variant
