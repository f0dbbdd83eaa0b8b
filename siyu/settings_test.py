"""Settings for the test suite: the production module, with keys generated into the data
directory (a fresh clone has none). pytest-django imports settings before any conftest
runs, so this cannot live in conftest.py."""

import os

os.environ.setdefault("SIYU_AUTOGEN_KEYS", "1")
# The test client and the live server speak plain HTTP (the demo's setting; see settings.py).
os.environ.setdefault("SIYU_HTTPS", "0")

from siyu.settings import *  # noqa: F403

# PBKDF2 is slow on purpose; tests log in hundreds of times.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Test databases roll back under the read model: rebuild it on every read (max age 0).
SIYU_ANALYTICS_MAX_AGE = 0

# No test reaches WeCom's real JS-SDK scripts (there is no network): the sidebar's browser
# test serves the simulator's stand-in; elsewhere the page loads none.
SIYU_WECOM_JSSDK_URLS = []
