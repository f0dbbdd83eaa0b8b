"""The sidebar's JS-SDK signature: WeCom's algorithm on its documented example, tickets
fetched from the simulator once and cached, and the simulated client accepting only a
correctly signed agentConfig."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from siyu.integrations.wecom.jssdk import AGENT, CORP, sign_page, signature, ticket
from siyu.integrations.wecom.simulator.server import Simulator
from siyu.integrations.wecom.simulator.testing import make_client, make_simulator

# The example in WeCom's JS-SDK signature documentation (签名算法), with its answer.
DOC_TICKET = (
    "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
)
DOC_NONCE = "Wm3WZYTPz0wzccnW"
DOC_TIMESTAMP = 1414587457
DOC_URL = "http://mp.weixin.qq.com?params=value"
DOC_SIGNATURE = "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
PAGE = "https://siyu.example.com/sidebar/?from=chat"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    cache.clear()
    yield make_simulator()
    cache.clear()


def test_the_signature_matches_wecoms_documented_example() -> None:
    assert signature(DOC_TICKET, DOC_NONCE, DOC_TIMESTAMP, DOC_URL) == DOC_SIGNATURE


@pytest.mark.django_db
def test_tickets_are_fetched_once_and_cached_per_kind(sim: Simulator) -> None:
    client = make_client(sim)
    first = [ticket(client, CORP), ticket(client, AGENT)]
    again = [ticket(client, CORP), ticket(client, AGENT)]
    assert first == again
    assert first[0] != first[1]
    assert sim.errcodes("/cgi-bin/get_jsapi_ticket") == [0]
    assert sim.errcodes("/cgi-bin/ticket/get") == [0]


@pytest.mark.django_db
def test_a_signed_page_passes_the_simulated_agent_config(sim: Simulator) -> None:
    signed = sign_page(make_client(sim), PAGE + "#frag")
    status, result = sim.client_call(
        "agent_config",
        {
            "url": PAGE,
            "config": {"corpid": sim.corp_id, "timestamp": signed.timestamp,
                       "nonceStr": signed.nonce_str, "signature": signed.signature},
            "agent": {"timestamp": signed.timestamp, "nonceStr": signed.nonce_str,
                      "signature": signed.agent_signature},
        },
    )  # fmt: skip
    assert (status, result["err_msg"]) == (200, "agentConfig:ok")
    sim.open_chat("ChenJing", external_userid="wmZhangMin")
    _s, contact = sim.client_call("invoke", {"url": PAGE, "api": "getCurExternalContact"})
    assert contact == {"err_msg": "getCurExternalContact:ok", "userId": "wmZhangMin"}


@pytest.mark.django_db
def test_a_wrong_signature_or_another_page_gets_no_permission(sim: Simulator) -> None:
    signed = sign_page(make_client(sim), PAGE)
    bad = {"timestamp": signed.timestamp, "nonceStr": signed.nonce_str}
    _s, result = sim.client_call(
        "agent_config",
        {
            "url": PAGE,
            "config": {"corpid": sim.corp_id, **bad, "signature": signed.signature},
            # the corp signature where the agent one belongs: a different ticket
            "agent": {**bad, "signature": signed.signature},
        },
    )
    assert result["err_msg"] == "agentConfig:fail invalid signature"
    sim.open_chat("ChenJing", external_userid="wmZhangMin")
    _s, denied = sim.client_call("invoke", {"url": PAGE, "api": "sendChatMessage"})
    assert denied["err_msg"] == "sendChatMessage:fail no permission"
    assert sim.chat_messages == []
