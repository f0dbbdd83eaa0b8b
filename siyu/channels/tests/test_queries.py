from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from siyu.channels.attribution import attribute_contact
from siyu.channels.codes import create_channel_code
from siyu.channels.queries import channel_report, variant_report
from siyu.channels.spend import record_spend
from siyu.channels.tests.factories import make_channel, make_variant, make_wecom_customer
from siyu.channels.tests.fakes import FakeGateway, ScriptedSender
from siyu.channels.welcome import send_welcome
from siyu.customers.orders import OrderInput, OrderLineInput, import_order
from siyu.demo.brand import Brand


def _order(customer_pk: int, no: str) -> None:
    from siyu.customers.models import Customer

    now = timezone.now()
    import_order(
        Customer.objects.get(pk=customer_pk),
        OrderInput(
            platform="miniprogram",
            order_no=no,
            paid_at=now + timedelta(minutes=5),
            total_fen=2800,
            paid_fen=2800,
            lines=(OrderLineInput("SKU1", "拿铁", 1, 2800, 2800),),
        ),
    )


def test_cac_and_first_order_conversion_by_channel(brand: Brand) -> None:
    channel = make_channel()
    code = create_channel_code(channel, [brand.chen_jing], gateway=FakeGateway())
    now = timezone.now()
    customers = [make_wecom_customer(f"wmQ{i}") for i in range(4)]
    for i, c in enumerate(customers):
        attribute_contact(
            c, state=code.state, staff=brand.chen_jing, occurred_at=now, idempotency_key=f"q{i}"
        )
    _order(customers[0].pk, "O1")
    today = now.date()
    record_spend(channel, period_start=today, period_end=today, amount_fen=40_000)
    record_spend(channel, period_start=today, period_end=today, amount_fen=20_000)  # corrected
    [stats] = channel_report(now - timedelta(days=1), now + timedelta(days=1))
    assert (stats.new_customers, stats.converted, stats.spend_fen) == (4, 1, 20_000)
    assert stats.cac_fen == 5_000
    assert stats.conversion_rate == 0.25
    assert channel_report(now + timedelta(days=2), now + timedelta(days=3)) == []


def test_conversion_is_tracked_per_welcome_variant(brand: Brand) -> None:
    channel = make_channel()
    make_variant(channel, "A")
    make_variant(channel, "B")
    sender = ScriptedSender()
    sent = {}
    for i in range(10):
        c = make_wecom_customer(f"wmV{i}")
        send = send_welcome(
            f"WCV{i}",
            channel=channel,
            customer=c,
            staff=brand.chen_jing,
            event_at=timezone.now(),
            sender=sender,
        )
        assert send is not None
        assert send.variant is not None
        sent[c.pk] = send.variant.name
    buyer = next(pk for pk, name in sent.items() if name == "A")
    _order(buyer, "O2")
    report = {r.variant: r for r in variant_report(channel)}
    assert report["A"].converted == 1
    assert report["B"].converted == 0
    assert report["A"].sent + report["B"].sent == 10
