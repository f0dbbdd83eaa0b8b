"""A first fill and a snapshot write in chunks, one transaction each, so SQLite's only
write lock is never held for the whole of a big segment (callbacks wait on it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection

from siyu.demo.brand import Brand
from siyu.segments import membership, snapshot
from siyu.segments.define import create_segment
from siyu.segments.membership import refresh_segment
from siyu.segments.models import Membership
from siyu.segments.snapshot import take_snapshot
from siyu.segments.tests.factories import NOW, make_customer

pytestmark = pytest.mark.django_db(transaction=True)
FEMALE = {"kind": "profile", "field": "gender", "values": ["female"]}


@contextmanager
def counted_commits(monkeypatch: Any) -> Iterator[list[str]]:
    commits: list[str] = []
    real_commit = connection.commit

    def counting_commit() -> None:
        commits.append("commit")
        real_commit()

    monkeypatch.setattr(connection, "commit", counting_commit)
    yield commits


def test_a_first_fill_commits_chunk_by_chunk(brand: Brand, monkeypatch: Any) -> None:
    people = [make_customer(f"客{i}", gender="female") for i in range(5)]
    segment = create_segment("女性", FEMALE)
    monkeypatch.setattr(membership, "CHUNK", 2)
    with counted_commits(monkeypatch) as commits:
        result = refresh_segment(segment.pk, now=NOW)
    assert (result.entered, result.members) == (5, 5)
    assert len(commits) == 4  # 2 + 2 + 1 customers, then the recount
    members = Membership.objects.filter(segment=segment, left_at__isnull=True)
    assert set(members.values_list("customer_id", flat=True)) == {p.pk for p in people}


def test_a_snapshot_commits_chunk_by_chunk(brand: Brand, monkeypatch: Any) -> None:
    for i in range(5):
        make_customer(f"客{i}", gender="female")
    segment = create_segment("女性", FEMALE)
    refresh_segment(segment.pk, now=NOW)
    monkeypatch.setattr(snapshot, "BATCH", 2)
    with counted_commits(monkeypatch) as commits:
        frozen = take_snapshot(segment, name="名单")
    assert len(commits) == 3
    frozen.refresh_from_db()
    assert frozen.member_count == frozen.members.count() == 5
