from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from siyu.channels.models import ChannelSpend
from siyu.channels.queries import variant_report
from siyu.channels.spend import record_spend
from siyu.channels.tests.factories import make_channel, make_variant, make_wecom_customer
from siyu.channels.tests.fakes import ScriptedSender
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


def test_recording_a_period_again_replaces_its_spend(brand: Brand) -> None:
    channel = make_channel()
    today = timezone.now().date()
    record_spend(channel, period_start=today, period_end=today, amount_fen=40_000)
    record_spend(channel, period_start=today, period_end=today, amount_fen=20_000)  # corrected
    assert list(ChannelSpend.objects.values_list("amount_fen", flat=True)) == [20_000]


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
