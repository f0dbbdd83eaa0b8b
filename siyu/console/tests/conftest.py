from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test.utils import override_settings
from pytest_django.fixtures import Settings

from siyu.integrations.wecom.simulator.server import Simulator
from siyu.integrations.wecom.simulator.testing import make_simulator
from siyu.integrations.wecom.tests.conftest import wired


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    """The demo brand creates ~30 staff logins; the production hasher makes that seconds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def wired_sim() -> Iterator[Simulator]:
    """A WeCom simulator answering the console's client in-process (its transport)."""
    simulator = make_simulator()
    with wired(simulator), override_settings(SIYU_WECOM_CORP_ID=simulator.corp_id):
        yield simulator
