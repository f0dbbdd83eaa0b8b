"""Set-based tag links: each customer lacking the tag gets it once, with its change row;
one who has it, or appears twice, gets nothing more."""

from __future__ import annotations

import pytest
from django.db import transaction

from siyu.customers.models import ChangeKind, CustomerChange, CustomerTag, TagSource
from siyu.customers.tag_links import link_tag
from siyu.customers.tagging import add_tag, ensure_tag
from siyu.customers.tests.factories import at, make_customer

pytestmark = pytest.mark.django_db


def test_link_tag_writes_the_missing_links_and_one_change_row_each() -> None:
    had, new_a, new_b = (make_customer(f"u{i}") for i in range(3))
    tag = ensure_tag("旅程", "欢迎")
    add_tag(had, tag)
    before = CustomerChange.objects.filter(kind=ChangeKind.TAG).count()
    when = at(2026, 5, 1)
    with transaction.atomic():
        fresh = link_tag(
            tag.pk, [new_b.pk, had.pk, new_a.pk, new_a.pk], source=TagSource.JOURNEY, at=when
        )
    assert fresh == {new_a.pk, new_b.pk}
    links = CustomerTag.objects.filter(tag=tag)
    assert sorted(links.values_list("customer_id", flat=True)) == sorted(
        [had.pk, new_a.pk, new_b.pk]
    )
    journey_links = links.filter(source=TagSource.JOURNEY)
    assert set(journey_links.values_list("customer_id", flat=True)) == fresh
    assert {c.created_at for c in journey_links} == {when}
    changes = CustomerChange.objects.filter(kind=ChangeKind.TAG).order_by("pk")[before:]
    assert sorted((c.customer_id, c.ref, c.data, c.created_at) for c in changes) == sorted(
        (c, tag.pk, {"added": True}, when) for c in fresh
    )


def test_link_tag_twice_and_with_no_one_writes_nothing_more() -> None:
    one = make_customer("u1")
    tag = ensure_tag("旅程", "欢迎")
    with transaction.atomic():
        assert link_tag(tag.pk, [one.pk], source=TagSource.JOURNEY, at=at(2026, 5, 1)) == {one.pk}
        assert link_tag(tag.pk, [one.pk], source=TagSource.JOURNEY, at=at(2026, 5, 2)) == set()
        assert link_tag(tag.pk, [], source=TagSource.JOURNEY, at=at(2026, 5, 2)) == set()
    assert CustomerTag.objects.filter(tag=tag).count() == 1
    assert CustomerChange.objects.filter(kind=ChangeKind.TAG, customer_id=one.pk).count() == 1
