from __future__ import annotations

import pytest

from siyu.customers.consent import current_consents, has_consent, record_consent
from siyu.customers.events import record_event
from siyu.customers.models import Consent, Event, Order, OrderLine, Refund
from siyu.customers.orders import OrderInput, OrderLineInput, RefundInput, import_order
from siyu.customers.tests.factories import at, make_customer


def order(refunds: tuple[RefundInput, ...] = ()) -> OrderInput:
    return OrderInput(
        "miniprogram",
        "MP1",
        at(2026, 5, 1),
        9800,
        8800,
        lines=(OrderLineInput("BEAN-1", "云南咖啡豆", 2, 4900, 8800, "咖啡豆"),),
        refunds=refunds,
    )


@pytest.mark.django_db
def test_importing_the_same_order_twice_changes_nothing() -> None:
    c = make_customer("oA")
    _, created1 = import_order(c, order())
    _, created2 = import_order(c, order())
    assert (created1, created2) == (True, False)
    assert Order.objects.count() == 1
    assert OrderLine.objects.count() == 1


@pytest.mark.django_db
def test_partial_refund_added_later_once() -> None:
    c = make_customer("oA")
    import_order(c, order())
    refund = RefundInput("R1", 4400, at(2026, 5, 3))
    import_order(c, order((refund,)))
    row, _ = import_order(c, order((refund,)))
    assert row.refunded_fen == 4400
    assert Refund.objects.count() == 1


@pytest.mark.django_db
def test_refunds_beyond_paid_amount_are_refused() -> None:
    c = make_customer("oA")
    with pytest.raises(ValueError, match="refunds exceed"):
        import_order(c, order((RefundInput("R1", 9000, at(2026, 5, 3)),)))
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_event_with_same_idempotency_key_is_stored_once() -> None:
    c = make_customer("oA")
    e1, new1 = record_event(c, type="coupon_claim", occurred_at=at(2026, 1, 1), idempotency_key="k")
    e2, new2 = record_event(c, type="coupon_claim", occurred_at=at(2026, 1, 1), idempotency_key="k")
    assert (new1, new2) == (True, False)
    assert e1.pk == e2.pk
    assert Event.objects.count() == 1


@pytest.mark.django_db
def test_consent_withdrawal_is_recorded_not_deleted() -> None:
    c = make_customer("oA")
    record_consent(
        c,
        purpose="marketing",
        granted=True,
        policy_version="2026-01",
        source="mp",
        at=at(2026, 1, 1),
    )
    record_consent(
        c,
        purpose="marketing",
        granted=False,
        policy_version="2026-01",
        source="mp",
        at=at(2026, 2, 1),
    )
    assert not has_consent(c, "marketing")
    assert current_consents(c)["marketing"].granted is False
    assert Consent.objects.filter(customer=c).count() == 2
