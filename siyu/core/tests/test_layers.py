"""Every app under siyu/ sits in the import-linter layers, and every domain app is under
the contract that keeps entrypoints and integrations out of it (design rule 3)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "siyu"
# Not code: translations. Settings modules are imported by Django, not by apps.
NOT_LAYERED = {"siyu.locale", "siyu.settings", "siyu.settings_test", "siyu.conftest"}


def _contracts() -> dict[str, dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {c["type"]: c for c in config["tool"]["importlinter"]["contracts"]}


def _top_level_modules() -> set[str]:
    found = {f"siyu.{p.name}" for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    found |= {f"siyu.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    return found - NOT_LAYERED


def _layers() -> list[set[str]]:
    return [set(re.split(r"\s*[|:]\s*", layer)) for layer in _contracts()["layers"]["layers"]]


def test_every_app_is_in_a_layer() -> None:
    layered = set().union(*_layers())
    assert _top_level_modules() - layered == set()
    assert layered - _top_level_modules() == set()  # no stale names either


def test_every_domain_app_is_kept_free_of_entrypoints_and_integrations() -> None:
    entrypoints, *below = _layers()
    forbidden = _contracts()["forbidden"]
    assert set(forbidden["source_modules"]) == set().union(*below)
    assert {"siyu.console", "siyu.cli", "siyu.demo", "siyu.integrations"} <= entrypoints
    assert set(forbidden["forbidden_modules"]) >= {
        "siyu.console",
        "siyu.cli",
        "siyu.demo",
        "siyu.integrations",
    }
