"""The demo's content library: materials, the personas' reads of the weekly article (张敏
three times), the owner notices, conversion figures, and 张敏's chat open for the sidebar."""

from __future__ import annotations

import pytest

from siyu.content.conversion import conversion
from siyu.content.models import LinkViewer, Material
from siyu.demo.content import ARTICLE, open_sidebar_chat
from siyu.demo.simulate import simulate
from siyu.integrations.wecom.simulator.testing import make_simulator
from siyu.messaging.models import Send

pytestmark = pytest.mark.django_db


def test_the_demo_library_is_read_and_zhang_min_reads_three_times() -> None:
    simulate(40, seed=7, verb_people=40)
    assert Material.objects.count() >= 6
    zhang = LinkViewer.objects.get(customer__display_name="张敏", link__material__title=ARTICLE)
    assert zhang.opens == 3
    assert zhang.seconds > 0
    assert Send.objects.filter(source="content").exists()
    article = next(r for r in conversion(per_variant=False) if r.title == ARTICLE)
    assert article.readers >= 3
    sim = make_simulator()
    assert open_sidebar_chat(sim)
    assert sim.client_state.chat is not None
