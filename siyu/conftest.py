from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

from siyu.demo.brand import Brand, build_brand

if TYPE_CHECKING:
    from siyu.analytics.readmodel.engines import Engine

# Tests run in parallel processes (./dev test uses pytest-xdist) on a machine that may be
# busy: an example's wall time says nothing about the rule it checks, so no deadline.
settings.register_profile("siyu", deadline=None)
settings.load_profile("siyu")


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty cache (the first screen keeps counts a minute)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def brand(db: None) -> Brand:
    """山茶咖啡's org tree and staff, with the named personas (lin.yue, wang.qiang, chen.jing)."""
    return build_brand()


@pytest.fixture(params=["duckdb", "chdb"])
def read_model_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An empty analytic read-model engine: embedded DuckDB, and ClickHouse's engine
    in-process (chdb, in the optional 'clickhouse' group) when installed."""
    from siyu.analytics.readmodel.engines import ChdbEngine, DuckDBEngine

    if request.param == "chdb":
        pytest.importorskip("chdb", reason="chdb is in the optional 'clickhouse' group")
        yield ChdbEngine()
    else:
        yield DuckDBEngine()
