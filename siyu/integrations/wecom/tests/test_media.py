"""Welcome covers: where they are read from, and what a bad one does."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import override_settings

from siyu.channels.tests.factories import make_channel, make_variant
from siyu.integrations.wecom.media import SHIPPED, load_cover, prepare_welcome_media
from siyu.integrations.wecom.simulator.server import Simulator
from siyu.integrations.wecom.transport import wecom_client


def test_an_operator_cover_comes_before_the_shipped_one(tmp_path: Path) -> None:
    (tmp_path / "gift-pack.png").write_bytes(b"\x89PNG ours")
    with override_settings(SIYU_COVERS_DIR=str(tmp_path)):
        assert load_cover("gift-pack.png") == ("gift-pack.png", b"\x89PNG ours")
    with override_settings(SIYU_COVERS_DIR=str(tmp_path / "none")):
        _name, content = load_cover("gift-pack.png")
    assert content == (SHIPPED / "gift-pack.png").read_bytes()
    assert content.startswith(b"\x89PNG")


@pytest.mark.parametrize("key", ["../settings.py", "/etc/passwd.png", "a/b.png", "cover.gif", ""])
def test_a_cover_key_is_a_plain_image_file_name(key: str) -> None:
    with pytest.raises(ValueError, match="file name"):
        load_cover(key)


def test_a_missing_cover_names_where_it_was_looked_for(tmp_path: Path) -> None:
    with override_settings(SIYU_COVERS_DIR=str(tmp_path)), pytest.raises(FileNotFoundError) as e:
        load_cover("spring.png")
    assert str(tmp_path) in str(e.value)
    assert str(SHIPPED) in str(e.value)


@pytest.mark.django_db
def test_one_missing_cover_does_not_hold_the_others_back(sim: Simulator) -> None:
    channel = make_channel()
    good = make_variant(channel, "A")
    good.miniprogram_cover = "gift-pack.png"
    good.save()
    missing = make_variant(channel, "B")
    missing.miniprogram_cover = "spring.png"
    missing.save()
    retired = make_variant(channel, "C")
    retired.miniprogram_cover = "old.png"
    retired.is_active = False
    retired.save()
    assert prepare_welcome_media(wecom_client()) == {"ready": 1, "missing": 1}
    assert len(sim.world.media) == 1
