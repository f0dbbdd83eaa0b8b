from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from siyu.channels.models import WelcomeSend, WelcomeStatus
from siyu.channels.seams import WelcomeOutcome
from siyu.channels.tests.factories import make_channel, make_variant, make_wecom_customer
from siyu.channels.tests.fakes import ScriptedSender
from siyu.channels.welcome import pick_variant, send_welcome
from siyu.demo.brand import Brand


def _send(
    brand: Brand, sender: ScriptedSender, code: str = "WC1", event_at: datetime | None = None
) -> WelcomeSend | None:
    channel = make_channel()
    if not channel.variants.exists():
        make_variant(channel)
    return send_welcome(
        code,
        channel=channel,
        customer=make_wecom_customer("wmW"),
        staff=brand.chen_jing,
        event_at=event_at or timezone.now(),
        sender=sender,
        sleep=lambda _s: None,
    )


def test_welcome_is_sent_once_even_if_asked_twice(brand: Brand) -> None:
    sender = ScriptedSender()
    first = _send(brand, sender)
    second = _send(brand, sender)
    assert first is not None
    assert first.status == WelcomeStatus.SENT
    assert second is None
    assert len(sender.calls) == 1
    code, message = sender.calls[0]
    assert code == "WC1"
    assert "新人礼包" in message.text
    assert message.cards[0].page == "pages/gift/index"


def test_41051_already_welcomed_is_final(brand: Brand) -> None:
    sender = ScriptedSender([WelcomeOutcome.ALREADY])
    send = _send(brand, sender)
    assert send is not None
    assert send.status == WelcomeStatus.ALREADY
    assert len(sender.calls) == 1


def test_41096_another_app_sending_is_retried(brand: Brand) -> None:
    sender = ScriptedSender([WelcomeOutcome.RETRY, WelcomeOutcome.RETRY, WelcomeOutcome.SENT])
    send = _send(brand, sender)
    assert send is not None
    assert send.status == WelcomeStatus.SENT
    assert send.attempts == 3


def test_nothing_is_sent_after_the_20_second_window(brand: Brand) -> None:
    sender = ScriptedSender()
    send = _send(brand, sender, event_at=timezone.now() - timedelta(seconds=25))
    assert send is not None
    assert send.status == WelcomeStatus.FAILED
    assert sender.calls == []


def test_variants_are_chosen_by_weight_and_stably_per_code(db: None) -> None:
    channel = make_channel()
    make_variant(channel, "A", weight=1)
    make_variant(channel, "B", weight=3)
    picks = [pick_variant(channel, f"code{i}") for i in range(400)]
    names = [p.name for p in picks if p is not None]
    assert 60 < names.count("A") < 140
    assert pick_variant(channel, "code7") == pick_variant(channel, "code7")
