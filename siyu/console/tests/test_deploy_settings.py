"""`siyu serve`'s settings (the production module with nothing but the required keys set)
pass Django's deployment checks; every silenced check carries its reason in settings.py."""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from siyu.console.csp import POLICY

SHOW_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({name: getattr(s, name, None) for name in [
    "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
    "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_AGE", "SIYU_PROXY_COUNT"]}))
"""


def serve_environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """What an operator sets for `siyu serve`: keys and hosts, nothing about HTTPS."""
    # Not ours either: the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process.
    ours = ("SIYU_", "DJANGO_", "DATABASE_URL")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    env.update(
        DJANGO_SETTINGS_MODULE="siyu.settings",
        SIYU_DATA_DIR=str(tmp_path),
        SIYU_SECRET_KEY=secrets.token_urlsafe(50),
        SIYU_PII_KEY=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        SIYU_ALLOWED_HOSTS="scrm.example.com",
        **extra,
    )
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_passes_on_the_serve_settings(tmp_path: Path) -> None:
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], serve_environment(tmp_path)
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_serve_settings_are_https_behind_a_proxy_by_default(tmp_path: Path) -> None:
    result = run(["-c", SHOW_SETTINGS], serve_environment(tmp_path))
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 180 * 24 * 3600
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SIYU_PROXY_COUNT"] == 1
    assert values["SESSION_COOKIE_AGE"] == 12 * 3600  # shorter than Django's 14 days


def test_plain_http_intranet_turns_https_off_and_still_passes_the_checks(tmp_path: Path) -> None:
    env = serve_environment(tmp_path, SIYU_HTTPS="0", SIYU_SESSION_HOURS="4")
    values = json.loads(run(["-c", SHOW_SETTINGS], env).stdout)
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["SIYU_PROXY_COUNT"] == 0
    assert values["SESSION_COOKIE_AGE"] == 4 * 3600
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.mark.parametrize(
    ("name", "value"),
    [("SIYU_SESSION_HOURS", "0"), ("SIYU_SESSION_HOURS", "x"), ("SIYU_HTTPS", "2")],
)
def test_a_bad_setting_fails_loudly_at_start(tmp_path: Path, name: str, value: str) -> None:
    result = run(["-c", SHOW_SETTINGS], serve_environment(tmp_path, **{name: value}))
    assert result.returncode != 0
    assert name in result.stderr


@pytest.mark.django_db
def test_every_page_carries_the_content_security_policy(client: Client) -> None:
    policy = client.get("/login/")["Content-Security-Policy"]
    assert policy == POLICY
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert "script-src 'self'" in policy
