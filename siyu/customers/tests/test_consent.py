"""Consent's current state: the latest decision per purpose, read with one indexed row
however long the history, for one customer or many."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from siyu.customers.consent import consenting, current_consents, has_consent, record_consent
from siyu.customers.tests.factories import at, make_customer


def decide(customer: Any, granted: bool, day: int, purpose: str = "marketing") -> None:
    record_consent(
        customer,
        purpose=purpose,
        granted=granted,
        policy_version="v1",
        source="test",
        at=at(2026, 1, 1) + timedelta(days=day),
    )


@pytest.mark.django_db
def test_the_latest_decision_wins_whatever_order_it_was_recorded_in() -> None:
    c = make_customer("c-1")
    decide(c, True, day=5)
    decide(c, False, day=2)  # recorded late, decided earlier: not current
    assert has_consent(c, "marketing")
    decide(c, False, day=6)
    assert not has_consent(c, "marketing")
    assert not has_consent(c, "analysis")  # never asked is not a grant
    assert set(current_consents(c)) == {"marketing"}


@pytest.mark.django_db
def test_has_consent_reads_one_row_not_the_history(django_assert_num_queries: Any) -> None:
    c = make_customer("c-2")
    for day in range(30):
        decide(c, day % 2 == 0, day=day)
    with django_assert_num_queries(1) as captured:
        assert has_consent(c, "marketing") is False
    assert "LIMIT 1" in captured.captured_queries[0]["sql"]


@pytest.mark.django_db
def test_consenting_answers_for_many_customers_in_one_query(
    django_assert_num_queries: Any,
) -> None:
    yes, no, never = make_customer("c-3"), make_customer("c-4"), make_customer("c-5")
    decide(yes, False, day=1)
    decide(yes, True, day=2)
    decide(no, True, day=1)
    decide(no, False, day=2)
    with django_assert_num_queries(1):
        assert consenting([yes.pk, no.pk, never.pk], "marketing") == {yes.pk}
