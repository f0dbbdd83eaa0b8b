"""Keys made before scopes existed keep what they did, except customer lookup."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("access", "0001_initial")]
AFTER = [("access", "0002_api_key_scopes_and_rate_limit")]


@pytest.mark.django_db(transaction=True)
def test_existing_keys_get_ingest_and_segment_reads_but_not_lookup() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("access", "ApiKey")
    old.objects.create(name="pos", prefix="siyu_abc", key_hash="0" * 64)
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("access", "ApiKey")
    key = new.objects.get(name="pos")
    assert key.scopes == ["ingest:profiles", "ingest:events", "ingest:orders", "segments:read"]
    assert key.rate_per_minute == 600
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
