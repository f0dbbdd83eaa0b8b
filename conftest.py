"""Test-wide set-up: the embedded default generates its keys, and tests get the demo brand."""

import os

os.environ.setdefault("SIYU_AUTOGEN_KEYS", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siyu.settings")
