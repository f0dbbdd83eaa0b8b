"""What the log says at the configured levels: one INFO line per onboarded contact, each
WeCom call and each task at DEBUG, a refused request in one line."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from siyu.channels.codes import create_channel, create_channel_code
from siyu.channels.tests.factories import make_variant
from siyu.console.tests.factories import login
from siyu.demo.brand import Brand
from siyu.integrations.wecom.onboarding import WeComChannelGateway
from siyu.integrations.wecom.outbox import drain_outbox
from siyu.integrations.wecom.simulator.server import Simulator
from siyu.integrations.wecom.transport import wecom_client
from siyu.logs import ClientErrorsOnOneLine


@pytest.fixture
def console_output() -> Iterator[io.StringIO]:
    """What the LOGGING setting's console handler would print."""
    [console] = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, ClientErrorsOnOneLine) for f in h.filters)
    ]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.filters = list(console.filters)
    handler.setFormatter(console.formatter)
    logging.getLogger().addHandler(handler)
    try:
        yield stream
    finally:
        logging.getLogger().removeHandler(handler)


@pytest.mark.django_db(transaction=True)
def test_three_arrivals_log_three_info_lines_and_no_call_or_task_lines(
    callback_sim: Simulator, brand: Brand, console_output: io.StringIO
) -> None:
    sim = callback_sim
    client = wecom_client()
    channel = create_channel("抖音-春季新品", "douyin_video")
    make_variant(channel)
    client.ensure_media("gift-cover", "image", "gift.png", b"\x89PNG")
    code = create_channel_code(channel, [brand.chen_jing], gateway=WeComChannelGateway(client))
    console_output.truncate(0)
    for name in ("小满", "阿杰", "小雨"):
        assert sim.scan(code.config_id, name=name).delivery.status == 200
    assert drain_outbox() == 3  # the channel tag on each WeCom card
    lines = console_output.getvalue().splitlines()
    assert len(lines) == 3, lines
    assert all("wecom contact onboarded" in line and " INFO " in line for line in lines)
    assert all("小满" not in line for line in lines)  # ids, never names
    assert len(sim.calls) > 3 * 3  # each onboarding made several WeCom calls, none logged


@pytest.mark.django_db
def test_each_wecom_call_is_a_debug_line(sim: Simulator, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="siyu.wecom.api"):
        wecom_client().follow_user_list()
    calls = [r for r in caplog.records if r.name == "siyu.wecom.api"]
    assert [r.levelno for r in calls] == [logging.DEBUG, logging.DEBUG]  # gettoken + the call


@pytest.mark.django_db
def test_a_refused_request_logs_one_line(
    client: Client, brand: Brand, console_output: io.StringIO
) -> None:
    login(client, brand.chen_jing)  # sales staff: the review queue is headquarters'
    assert client.get("/review/").status_code == 403
    output = console_output.getvalue()
    assert "Traceback" not in output
    assert output.splitlines() == [output.splitlines()[0]]
    assert "Forbidden (Permission denied): /review/" in output


def test_task_lines_show_only_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    tasks = logging.getLogger("django_tasks")
    tasks.setLevel(logging.INFO)  # what db_worker does when it starts
    tasks.info("Task id=%s path=%s state=%s", "t1", "siyu.x", "RUNNING")
    assert not [r for r in caplog.records if r.name == "django_tasks"]
    with caplog.at_level(logging.DEBUG):
        tasks.info("Task id=%s path=%s state=%s", "t2", "siyu.x", "SUCCESSFUL")
    [record] = [r for r in caplog.records if r.name == "django_tasks"]
    assert record.levelname == "DEBUG"


def test_the_console_handler_carries_the_filters() -> None:
    config: dict[str, Any] = settings.LOGGING
    assert config["handlers"]["console"]["filters"] == ["client_errors_on_one_line"]
    assert config["loggers"]["django_tasks"]["filters"] == ["info_as_debug"]
