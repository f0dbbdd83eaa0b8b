"""Settings for the test suite: the production module, with keys generated into the data
directory (a fresh clone has none). pytest-django imports settings before any conftest
runs, so this cannot live in conftest.py."""

import os

os.environ.setdefault("SIYU_AUTOGEN_KEYS", "1")
# The test client and the live server speak plain HTTP (the demo's setting; see settings.py).
os.environ.setdefault("SIYU_HTTPS", "0")


def _redis_url_of_this_test_process(url: str, worker: str) -> str:
    """pytest-xdist runs the suite in several processes (gw0, gw1, …); each gets a Redis
    database of its own, counting down from the configured one, so one process's queue
    tests never see another's jobs. The test databases get their _gwN suffix from
    pytest-django."""
    if not worker.startswith("gw") or not worker[2:].isdigit():
        return url
    base, _, db = url.rpartition("/")
    number = int(db) if db.isdigit() else 0
    return f"{base}/{(number - int(worker[2:])) % 16}"


if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["SIYU_REDIS_URL"] = _redis_url_of_this_test_process(
        os.environ.get("SIYU_REDIS_URL") or "redis://127.0.0.1:6379/0",
        os.environ["PYTEST_XDIST_WORKER"],
    )

from siyu.settings import *  # noqa: E402, F403

# PBKDF2 is slow on purpose; tests log in hundreds of times.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Test databases roll back under the read model: rebuild it on every read (max age 0).
SIYU_ANALYTICS_MAX_AGE = 0
# ... and keep no file copy of it in the data directory (test_snapshot.py turns it on).
SIYU_ANALYTICS_SNAPSHOT_SECONDS = 0

# No test reaches WeCom's real JS-SDK scripts (there is no network): the sidebar's browser
# test serves the simulator's stand-in; elsewhere the page loads none.
SIYU_WECOM_JSSDK_URLS = []
