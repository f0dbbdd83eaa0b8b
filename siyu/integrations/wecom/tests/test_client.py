"""The API client against the simulator: tokens, retries, typed errors, quiet logs."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from siyu.integrations.wecom.client.errors import (
    ApiNotPermitted,
    BadCredentials,
    FrequencyLimited,
    LocalRateLimited,
    TrustedIpRequired,
    WelcomeAlreadySent,
)
from siyu.integrations.wecom.client.limiter import RateLimiter
from siyu.integrations.wecom.client.models import AccessToken
from siyu.integrations.wecom.simulator.testing import FakeClock, make_client, make_simulator

pytestmark = pytest.mark.django_db

FOLLOW = "/cgi-bin/externalcontact/get_follow_user_list"


def test_token_is_fetched_once_and_reused() -> None:
    sim = make_simulator()
    client = make_client(sim)
    for _ in range(3):
        assert "ChenJing" in client.follow_user_list()
    assert sim.gettoken_calls == 1


def test_token_is_refreshed_before_our_recorded_expiry() -> None:
    sim = make_simulator()
    client = make_client(sim)
    client.follow_user_list()
    AccessToken.objects.update(expires_at=AccessToken.objects.get().fetched_at)
    client.follow_user_list()
    assert sim.gettoken_calls == 2
    assert 42001 not in sim.errcodes(FOLLOW)


def test_expired_token_42001_is_refetched_and_the_call_repeated() -> None:
    clock = FakeClock()
    sim = make_simulator(clock=clock)
    client = make_client(sim)
    client.follow_user_list()
    clock.advance(7201)  # WeCom's clock says expired; ours still trusts the token
    assert client.follow_user_list()
    assert sim.errcodes(FOLLOW) == [0, 42001, 0]
    assert sim.gettoken_calls == 2


def test_token_revoked_early_40014_is_refetched_once() -> None:
    sim = make_simulator()
    client = make_client(sim)
    client.follow_user_list()
    sim.revoke_tokens()
    assert client.follow_user_list()
    assert sim.errcodes(FOLLOW) == [0, 40014, 0]


def test_frequency_limit_45009_backs_off_then_succeeds() -> None:
    sim = make_simulator()
    slept: list[float] = []
    client = make_client(sim, slept=slept)
    sim.inject(FOLLOW, 45009, -1)
    assert client.follow_user_list()
    assert slept == [0.5, 1.0]


def test_retries_are_bounded() -> None:
    sim = make_simulator()
    slept: list[float] = []
    client = make_client(sim, slept=slept)
    sim.inject(FOLLOW, 45009, 45009, 45009, 45009, 45009)
    with pytest.raises(FrequencyLimited):
        client.follow_user_list()
    assert slept == [0.5, 1.0, 2.0]
    assert len(sim.errcodes(FOLLOW)) == 4


def test_welcome_41051_already_sent_is_final_and_not_retried() -> None:
    sim = make_simulator()
    client = make_client(sim)
    way = client.add_contact_way("st1", ["ChenJing"])
    scan = sim.scan(way["config_id"])
    client.send_welcome_msg(scan.welcome_code, "欢迎")
    with pytest.raises(WelcomeAlreadySent):
        client.send_welcome_msg(scan.welcome_code, "欢迎")
    assert sim.errcodes("/cgi-bin/externalcontact/send_welcome_msg") == [0, 41051]
    assert len(sim.world.welcomes) == 1


def test_untrusted_ip_60020_explains_the_fix() -> None:
    sim = make_simulator(trusted_ips={"203.0.113.7"})
    with pytest.raises(TrustedIpRequired, match="企业可信IP"):
        make_client(sim).follow_user_list()


def test_api_not_permitted_48002_explains_the_fix() -> None:
    sim = make_simulator()
    sim.forbidden.add(FOLLOW)
    with pytest.raises(ApiNotPermitted, match="可调用接口的应用"):
        make_client(sim).follow_user_list()


def test_wrong_secret_is_a_credentials_error() -> None:
    sim = make_simulator()
    client = make_client(make_simulator(secret="other"), transport=sim.transport())
    with pytest.raises(BadCredentials, match="SIYU_WECOM_SECRET"):
        client.follow_user_list()


def test_logs_name_the_api_and_errcode_but_never_the_token_or_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sim = make_simulator()
    client = make_client(sim)
    with caplog.at_level(logging.DEBUG):
        client.follow_user_list()
        sim.revoke_tokens()
        client.follow_user_list()
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "get_follow_user_list errcode=40014" in text
    assert sim.secret not in text
    assert "simtok-" not in text
    assert "access_token=" not in text


def test_local_limiter_refuses_before_calling_wecom() -> None:
    sim = make_simulator()
    client = make_client(sim, limiter=RateLimiter(limits=((60, 2),)))
    client.follow_user_list()
    client.follow_user_list()
    with pytest.raises(LocalRateLimited) as info:
        client.follow_user_list()
    assert 0 < info.value.retry_after <= 60
    assert len(sim.errcodes(FOLLOW)) == 2


def test_clients_built_for_the_network_share_one_pool_that_outlives_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ssl

    from django.test.utils import override_settings

    from siyu.integrations.wecom import transport

    contexts: list[object] = []
    real = ssl.create_default_context

    def counting(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        contexts.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(ssl, "create_default_context", counting)
    monkeypatch.setattr(transport, "_network", None)
    with override_settings(SIYU_WECOM_CORP_ID="wwshared", SIYU_WECOM_SECRET="s" * 43):
        clients = [transport.wecom_client() for _ in range(5)]
    # Loading the CA bundle costs ~40 ms of CPU: once per process, not once per task.
    assert len(contexts) == 1
    assert len({id(c.http._transport) for c in clients}) == 1
    clients[0].close()
    shared = transport.network_transport()
    assert clients[1].http._transport is shared
    assert shared._pool is not None
