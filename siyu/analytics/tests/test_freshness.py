"""Every dashboard says how old its data is: the read model's age and its bound, or that a
page read the database live (a sales member's own customers)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from siyu.analytics.readmodel import sync
from siyu.analytics.readmodel.engines import DuckDBEngine, Engine, arrow_schema
from siyu.console.tests.factories import login
from siyu.customers.models import Customer
from siyu.demo.brand import Brand

pytestmark = pytest.mark.django_db
PAGES = ["", "gmv/", "channels/", "cohorts/"]
Q1 = "from=2025-01-01&to=2025-03-31"


@pytest.mark.parametrize("page", PAGES)
def test_hq_pages_say_how_old_the_read_model_is(
    client: Client, brand: Brand, shop: dict[str, Customer], page: str
) -> None:
    login(client, brand.lin_yue)
    body = client.get(f"/analytics/{page}?{Q1}").content.decode()
    assert re.search(r"数据更新于 \d+ 秒前", body)
    assert "超过 0 秒即刷新" in body


def test_a_sales_members_page_reads_the_database_live(
    client: Client, brand: Brand, shop: dict[str, Customer]
) -> None:
    login(client, brand.chen_jing)
    body = client.get(f"/analytics/gmv/?{Q1}").content.decode()
    assert "实时数据" in body
    assert "数据更新于" not in body


def test_a_read_model_younger_than_its_bound_is_served_as_it_is(
    client: Client, brand: Brand, shop: dict[str, Customer], settings: Settings
) -> None:
    settings.SIYU_ANALYTICS_MAX_AGE = 10
    engine = DuckDBEngine()
    state = sync.build(engine)
    sync._embedded = sync._Embedded(engine, state, own=True)
    try:
        Customer.objects.filter(pk=shop["A"].pk).update(status="merged")
        served, seen = sync.current()
        assert served is engine
        assert seen == state
        aged = sync.State(state.position, state.refreshed_us - 11_000_000)
        sync._embedded.state = aged
        _, refreshed = sync.current()
        assert refreshed.refreshed_us > aged.refreshed_us
    finally:
        sync._embedded = None


def test_a_read_model_of_another_schema_reads_as_not_built(
    read_model_engine: Engine, brand: Brand
) -> None:
    """A shared read model an older release built (a state without the schema, or another
    schema's version) is not read: the worker's poller rebuilds it, pages read live."""
    import pyarrow as pa  # type: ignore[import-untyped]

    engine = read_model_engine
    built = sync.build(engine)
    assert sync.read_state(engine) == built
    engine.clear("rm_state")
    engine.insert(
        "rm_state",
        pa.table(
            {"position_tx": [1], "position_id": [2], "refreshed_us": [3], "schema_version": ["0"]},
            schema=arrow_schema("rm_state"),
        ),
    )
    assert sync.read_state(engine) is None
    if isinstance(engine, DuckDBEngine):  # the state table of the release before versions
        engine.db.execute("DROP TABLE rm_state")
        engine.db.execute(
            "CREATE TABLE rm_state (position_tx BIGINT, position_id BIGINT, refreshed_us BIGINT)"
        )
        engine.db.execute("INSERT INTO rm_state VALUES (1, 2, 3)")
        assert sync.read_state(engine) is None
    sync.build(engine)
    assert sync.read_state(engine) is not None
