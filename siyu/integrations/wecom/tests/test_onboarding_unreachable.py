"""WeCom going away in the middle of the welcome: a real simulator process, killed while
it holds the send_welcome_msg request, then refusing connections (real HTTP)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, Any

import pytest
from django.test.utils import override_settings
from django.utils import timezone

from siyu.channels.codes import create_channel, create_channel_code
from siyu.channels.models import Attribution, WelcomeSend, WelcomeStatus
from siyu.channels.tests.factories import make_variant
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.models import Event
from siyu.customers.profiles import upsert_customer
from siyu.demo.brand import Brand
from siyu.integrations.wecom import transport
from siyu.integrations.wecom.models import OutboundCall, OutboxStatus
from siyu.integrations.wecom.onboarding import ContactAdded, WeComChannelGateway, run_onboarding
from siyu.integrations.wecom.outbox import drain_outbox
from siyu.integrations.wecom.tests.conftest import CORP_ID

pytestmark = pytest.mark.django_db
SECRET = "killable-sim-secret"
WELCOME = "/cgi-bin/externalcontact/send_welcome_msg"


@dataclass
class SimProcess:
    process: subprocess.Popen[str]
    url: str
    killed: threading.Event

    def scan(self, config_id: str) -> dict[str, Any]:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None
        assert stdout is not None
        stdin.write(config_id + "\n")
        stdin.flush()
        return dict(json.loads(stdout.readline()))

    def kill_when_in_call(self) -> None:
        """From now on, kill the process as soon as it holds the hanging call."""

        def watch(stdout: IO[str]) -> None:
            for line in stdout:
                if "in_call" in json.loads(line):
                    self.process.kill()
                    self.killed.set()
                    return

        assert self.process.stdout is not None
        threading.Thread(target=watch, args=(self.process.stdout,), daemon=True).start()


@pytest.fixture
def sim_process() -> Iterator[SimProcess]:
    command = [sys.executable, "-m", "siyu.integrations.wecom.tests.sim_process"]
    process = subprocess.Popen(  # noqa: S603 - our own module
        [*command, CORP_ID, SECRET, WELCOME],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = json.loads(process.stdout.readline())["url"]
        transport.use_transport(None)  # real HTTP, through the shared connection pool
        with override_settings(SIYU_WECOM_SECRET=SECRET, SIYU_WECOM_API_BASE=url):
            yield SimProcess(process, url, threading.Event())
    finally:
        process.kill()
        process.wait(10)


def test_wecom_killed_mid_welcome_still_onboards_and_closes_the_welcome(
    sim_process: SimProcess, brand: Brand
) -> None:
    client = transport.wecom_client()
    channel = create_channel("小红书-探店笔记", "xiaohongshu_note")
    make_variant(channel)
    code = create_channel_code(channel, [brand.chen_jing], gateway=WeComChannelGateway(client))
    scan = sim_process.scan(code.config_id)
    customer = upsert_customer(
        [IdentityInput("wecom_external_userid", scan["external_userid"], CORP_ID)],
        fields={},
        source="test",
    )
    event = ContactAdded(
        CORP_ID,
        scan["userid"],
        scan["external_userid"],
        customer.pk,
        brand.chen_jing.pk,
        code.state,
        scan["welcome_code"],
        # 15 s into the 20 s window: the retries after the kill run out in a few seconds.
        (timezone.now() - timedelta(seconds=15)).isoformat(),
    )
    sim_process.kill_when_in_call()

    result = run_onboarding(event, client=client)

    assert sim_process.killed.is_set()  # WeCom died holding the welcome request
    assert result["channel"] == "小红书-探店笔记"
    send = WelcomeSend.objects.get(welcome_code=scan["welcome_code"])
    assert send.status == WelcomeStatus.FAILED  # never left "sending"
    assert send.attempts >= 2  # retried after the kill (connection refused then)
    customer.refresh_from_db()
    assert Attribution.objects.get(customer=customer).channel == channel
    assert customer.primary_owner == brand.chen_jing
    assert list(customer.tag_links.values_list("tag__group__name", "tag__name")) == [
        ("渠道", "小红书-探店笔记")
    ]
    assert Event.objects.filter(customer=customer, type="onboarded").count() == 1
    # The card's tag in WeCom waits in the outbox, retried while WeCom stays away.
    assert drain_outbox() == 1
    mark = OutboundCall.objects.get(action="mark_channel_tag")
    assert (mark.status, mark.attempts) == (OutboxStatus.PENDING, 1)
    assert mark.due_at > timezone.now()

    # Run again (a requeued task): nothing doubles, nothing is stuck.
    again = run_onboarding(event, client=client)
    assert again["channel"] == "小红书-探店笔记"
    assert WelcomeSend.objects.count() == 1
    assert Event.objects.filter(customer=customer, type="onboarded").count() == 1
