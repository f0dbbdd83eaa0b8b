"""A welcome variant's mini-program card is a library material: the migration turns inline
cards into materials, and the welcome message is built from the material."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from siyu.channels.models import WelcomeVariant
from siyu.channels.tests.factories import make_channel, make_variant
from siyu.channels.welcome import welcome_message
from siyu.content.models import Material, MaterialKind

pytestmark = pytest.mark.django_db
migration = importlib.import_module("siyu.channels.migrations.0003_welcome_card_is_a_material")


def test_the_migration_turns_inline_cards_into_one_material_each() -> None:
    channel = make_channel()
    a, b = make_variant(channel, "A"), make_variant(channel, "B")  # the same card twice
    plain = WelcomeVariant.objects.create(channel=channel, name="C", text="只有文字")
    migration.cards_into_materials(apps, None)
    card = Material.objects.get()
    assert (card.kind, card.miniprogram_appid, card.media_key) == (
        MaterialKind.MINIPROGRAM, "wx1234567890abcdef", "gift-cover",
    )  # fmt: skip
    assert card.versions.count() == 1
    ids = dict(WelcomeVariant.objects.values_list("pk", "card_id"))
    assert ids == {a.pk: card.pk, b.pk: card.pk, plain.pk: None}


def test_the_welcome_message_sends_the_card_material() -> None:
    channel = make_channel()
    variant = make_variant(channel)
    migration.cards_into_materials(apps, None)
    Material.objects.update(title="新人礼包（素材库）", media_key="library-cover.png")
    variant.refresh_from_db()
    (card,) = welcome_message(variant).cards
    assert (card.title, card.cover, card.page) == (
        "新人礼包（素材库）", "library-cover.png", "pages/gift/index",
    )  # fmt: skip
