"""Moving group chats and transfers out of the WeCom adapter keeps every row: rows written
by the old schema are read back, ids and links intact, through the new apps' models, and
the move can be undone (runs on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from siyu.core.models import Staff
from siyu.customers.models import Customer
from siyu.demo.brand import Brand
from siyu.groups.models import GroupChat
from siyu.transfers.models import TransferItem, TransferJob, TransferStatus

OLD_SCHEMA = ("wecom_sync", "0002_transfer_groups_moved")
BEFORE: list[tuple[str, str | None]] = [
    OLD_SCHEMA,
    ("groups", None),
    ("transfers", None),
]
T = datetime(2026, 11, 1, tzinfo=UTC)


def _migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)


def _latest() -> list[tuple[str, str | None]]:
    """Every app's newest migration: unapplying groups also unapplied the apps built on it
    (community), and a worker process started later refuses a database that lacks one."""
    executor = MigrationExecutor(connection)
    return list(executor.loader.graph.leaf_nodes())


@pytest.fixture
def at_old_schema(transactional_db: None, brand: Brand) -> Iterator[MigrationExecutor]:
    executor = _migrate(BEFORE)
    try:
        yield executor
    finally:
        _migrate(_latest())  # whatever happened, leave the database as the suite expects


def _write_old_rows(executor: MigrationExecutor, brand: Brand) -> tuple[int, int, int]:
    old = executor.loader.project_state(OLD_SCHEMA).apps
    chat = old.get_model("wecom_sync", "GroupChat").objects.create(
        chat_id="wrOld", name="静安店会员群", owner_userid="ChenJing", synced_at=T
    )
    job = old.get_model("wecom_sync", "TransferJob").objects.create(
        from_staff_id=brand.chen_jing.pk,
        to_staff_id=brand.wang_qiang.pk,
        resigned=True,
        groups_moved=["wrOld"],
        created_at=T,
        updated_at=T,
    )
    customer = Customer.objects.create(display_name="老顾客", created_at=T)
    item = old.get_model("wecom_sync", "TransferItem").objects.create(
        job_id=job.pk,
        customer_id=customer.pk,
        external_userid="wmOld",
        status="refused",
        updated_at=T,
    )
    return chat.pk, job.pk, item.pk


def test_rows_written_before_the_move_are_read_by_the_domain_apps(
    at_old_schema: MigrationExecutor, brand: Brand
) -> None:
    chat_pk, job_pk, item_pk = _write_old_rows(at_old_schema, brand)
    _migrate(_latest())

    assert GroupChat.objects.get(pk=chat_pk).name == "静安店会员群"
    job = TransferJob.objects.get(pk=job_pk)
    assert (job.from_staff, job.to_staff, job.groups_moved) == (
        brand.chen_jing,
        brand.wang_qiang,
        ["wrOld"],
    )
    item = job.items.get()
    assert (item.pk, item.status, item.customer.display_name) == (
        item_pk,
        TransferStatus.REFUSED,
        "老顾客",
    )
    # New rows continue the old ids, and the constraints still hold.
    new_job = TransferJob.objects.create(
        from_staff=brand.chen_jing, to_staff=brand.wang_qiang, created_at=T, updated_at=T
    )
    assert new_job.pk > job_pk
    assert Staff.objects.filter(pk=job.from_staff_id).exists()


def test_the_move_can_be_undone_with_its_rows(
    at_old_schema: MigrationExecutor, brand: Brand
) -> None:
    chat_pk, job_pk, item_pk = _write_old_rows(at_old_schema, brand)
    _migrate(_latest())
    executor = _migrate(BEFORE)
    old = executor.loader.project_state(OLD_SCHEMA).apps
    assert old.get_model("wecom_sync", "GroupChat").objects.get(pk=chat_pk).chat_id == "wrOld"
    assert old.get_model("wecom_sync", "TransferItem").objects.get(pk=item_pk).job_id == job_pk
    assert TransferItem._meta.db_table == "transfers_transferitem"
