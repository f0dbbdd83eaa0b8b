"""The content library's images go up with the welcome covers, ahead of WeCom's 3-day
expiry, so the sidebar can send a poster by its cached media id."""

from __future__ import annotations

import pytest

from siyu.content.models import MaterialKind
from siyu.content.tests.factories import make_material
from siyu.integrations.wecom.client.models import MediaUpload
from siyu.integrations.wecom.media import prepare_welcome_media
from siyu.integrations.wecom.simulator.server import Simulator
from siyu.integrations.wecom.transport import wecom_client

pytestmark = pytest.mark.django_db


def test_a_posters_image_is_uploaded_and_an_inactive_ones_is_not(sim: Simulator) -> None:
    make_material("秋季海报", kind=MaterialKind.POSTER, url="", media_key="gift-pack.png")
    make_material(
        "停用海报", kind=MaterialKind.POSTER, url="", media_key="old.png", is_active=False
    )
    assert prepare_welcome_media(wecom_client()) == {"ready": 1, "missing": 0}
    assert list(MediaUpload.objects.values_list("key", flat=True)) == ["gift-pack.png"]
