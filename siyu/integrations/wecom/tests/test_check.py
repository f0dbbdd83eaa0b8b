"""`siyu wecom check` names what is misconfigured."""

from __future__ import annotations

import httpx
import pytest
from django.core.handlers.wsgi import WSGIHandler

from siyu.integrations.wecom.check import WeComConfig, run_checks
from siyu.integrations.wecom.simulator.testing import make_simulator
from siyu.integrations.wecom.tests.conftest import AES_KEY, CORP_ID, TOKEN

pytestmark = pytest.mark.django_db
GOOD_CORP = "ww0123456789abcdef"


def _config(**changes: str) -> WeComConfig:
    values = {
        "corp_id": GOOD_CORP,
        "secret": "sim-secret-0123456789",
        "token": TOKEN,
        "aes_key": AES_KEY,
        "callback_url": "http://testserver/wecom/callback/",
        "api_base": "http://wecom.test",
    }
    values.update(changes)
    return WeComConfig(**values)


def _by_name(config: WeComConfig, **sim_kwargs: object) -> dict[str, tuple[bool, str]]:
    sim = make_simulator(corp_id=GOOD_CORP, **sim_kwargs)
    results = run_checks(
        config,
        api_transport=sim.transport(client_ip="198.51.100.9"),
        callback_transport=httpx.WSGITransport(app=WSGIHandler()),
    )
    return {r.name: (r.ok, r.detail) for r in results}


def test_a_bad_corp_id_and_missing_secret_are_named() -> None:
    results = _by_name(_config(corp_id="corp-123", secret=""))
    assert results["corp id"][0] is False
    assert "ww + 16 hex" in results["corp id"][1]
    assert results["secret"][0] is False
    assert "access token" not in results


def test_wrong_secret_is_explained() -> None:
    results = _by_name(_config(secret="nope"))
    assert results["access token"][0] is False
    assert "SIYU_WECOM_SECRET" in results["access token"][1]


def test_untrusted_ip_is_explained() -> None:
    results = _by_name(_config(), trusted_ips={"203.0.113.1"})
    assert results["access token"][0] is False
    assert "企业可信IP" in results["access token"][1]


def test_short_aes_key_and_bad_token_are_named() -> None:
    results = _by_name(_config(aes_key="short", token="has space"))
    assert results["EncodingAESKey"][0] is False
    assert "43" in results["EncodingAESKey"][1]
    assert results["callback token"][0] is False


def test_a_good_setup_passes_every_check_including_url_verification() -> None:
    # The callback endpoint's test corp id (from the autouse settings) is not ww + 16 hex,
    # so that one check is expected to complain; everything else must pass.
    sim = make_simulator(corp_id=CORP_ID)
    config = _config(corp_id=CORP_ID)
    results = run_checks(
        config,
        api_transport=sim.transport(),
        callback_transport=httpx.WSGITransport(app=WSGIHandler()),
    )
    failing = [r.name for r in results if not r.ok]
    assert failing == ["corp id"]
    assert {r.name for r in results} >= {"access token", "customer contact API", "callback URL"}


def test_callback_url_with_different_keys_is_reported() -> None:
    results = _by_name(_config(token="OtherToken"))
    assert results["callback URL"][0] is False
    assert "token, EncodingAESKey or corp id" in results["callback URL"][1]
