"""A new WeCom contact, onboarded: welcome, profile enrichment, channel attribution, tags,
owner and an "onboarded" event — hooked on the callback processor's ``contact_added``.

The welcome code dies 20 s after the add event, so the receiver only enqueues a task on the
"fast" queue (no waiting behind bulk work) and the task sends the welcome before anything
else that is not needed for it. Every step is idempotent: WeCom retries and a second
``contact_added`` for the same event change nothing (the welcome is claimed per code).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.dispatch import receiver
from django_tasks import task

from siyu.channels.attribution import attribute_contact, code_for_state
from siyu.channels.models import ChannelCode
from siyu.channels.rotation import rotate_code
from siyu.channels.seams import (
    ContactWay,
    ContactWaySpec,
    WelcomeMessage,
    WelcomeOutcome,
)
from siyu.channels.welcome import send_welcome
from siyu.core.models import Staff
from siyu.customers.events import record_event
from siyu.customers.follows import follow_customer
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.models import Customer, TagSource
from siyu.customers.profiles import NoUsableIdentity, upsert_customer
from siyu.customers.tagging import add_tag, ensure_tag
from siyu.integrations.wecom.client.api import WeComClient
from siyu.integrations.wecom.client.errors import (
    InvalidMedia,
    LocalRateLimited,
    WeComError,
    WeComUnreachable,
    WelcomeAlreadySent,
    WelcomeBusy,
)
from siyu.integrations.wecom.outbox import queue_call
from siyu.integrations.wecom.signals import contact_added
from siyu.integrations.wecom.transport import wecom_client
from siyu.worker.recovery import repeatable

log = logging.getLogger(__name__)
# WeCom said no, our limiter held the call back, or WeCom could not be reached (the
# client turns httpx's transport errors into WeComUnreachable): the local part of
# onboarding stands, and what WeCom should mirror is logged.
UNREACHED = (WeComError, LocalRateLimited)
CHANNEL_TAG_GROUP = "渠道"
SOURCE = "wecom"


class WeComChannelGateway:
    """channels.seams.ContactWayGateway over the WeCom API. Creating a way answers with
    its config_id, so it is a call; updates and deletes are outbox rows, made by the
    worker after the caller's transaction commits (callers hold row locks meanwhile)."""

    def __init__(self, client: WeComClient) -> None:
        self.client = client

    def add_contact_way(self, spec: ContactWaySpec) -> ContactWay:
        way = self.client.add_contact_way(
            spec.state, spec.userids, skip_verify=spec.skip_verify, remark=spec.remark
        )
        return ContactWay(str(way["config_id"]), str(way["qr_code"]))

    def update_contact_way(self, config_id: str, spec: ContactWaySpec) -> None:
        payload = {
            "config_id": config_id,
            "state": spec.state,
            "userids": list(spec.userids),
            "skip_verify": spec.skip_verify,
            "remark": spec.remark,
        }
        queue_call("update_contact_way", payload, ordering_key=f"way:{config_id}")

    def del_contact_way(self, config_id: str) -> None:
        queue_call(
            "del_contact_way",
            {"config_id": config_id},
            ordering_key=f"way:{config_id}",
            key=f"del_contact_way:{config_id}",
        )


class WeComWelcomeSender:
    """channels.seams.WelcomeSender over send_welcome_msg."""

    def __init__(self, client: WeComClient) -> None:
        self.client = client

    def attachments(self, message: WelcomeMessage) -> list[dict[str, Any]]:
        result = []
        for card in message.cards:
            # Only a cached media id: uploading now could eat the 20 s window.
            media_id = self.client.cached_media_id(card.cover) if card.cover else None
            if media_id is None:
                log.warning("welcome card %r sent without cover: media not uploaded", card.title)
                continue
            mini = {"title": card.title, "pic_media_id": media_id, "appid": card.appid}
            result.append({"msgtype": "miniprogram", "miniprogram": {**mini, "page": card.page}})
        return result

    def send_welcome(self, welcome_code: str, message: WelcomeMessage) -> WelcomeOutcome:
        try:
            try:
                self.client.send_welcome_msg(welcome_code, message.text, self.attachments(message))
            except InvalidMedia as exc:
                # WeCom lost a cover we thought alive: the words still go out inside the
                # window, and the next upload job (hourly) renews the cover.
                log.warning("welcome cover refused (%s); sending the text alone", exc)
                self.client.forget_media([card.cover for card in message.cards if card.cover])
                self.client.send_welcome_msg(welcome_code, message.text, [])
        except WelcomeAlreadySent:
            return WelcomeOutcome.ALREADY
        except (WelcomeBusy, LocalRateLimited, WeComUnreachable):
            # No answer may still mean sent: a retry then gets 41051, which is final.
            return WelcomeOutcome.RETRY
        except WeComError as exc:
            log.warning("welcome not sent: %s", exc)
            return WelcomeOutcome.FAILED
        return WelcomeOutcome.SENT


@dataclass(frozen=True)
class ContactAdded:
    corp_id: str
    user_id: str
    external_user_id: str
    customer_id: int
    staff_id: int | None
    state: str
    welcome_code: str
    occurred_at: str  # ISO 8601: task payloads must be JSON

    @property
    def key(self) -> str:
        # A welcome code is unique per add; without one, the pair and the event time are.
        if self.welcome_code:
            return f"wecom-add:{self.corp_id}:{self.welcome_code}"[:160]
        return f"wecom-add:{self.corp_id}:{self.user_id}:{self.external_user_id}:{self.occurred_at}"


@receiver(contact_added, dispatch_uid="siyu.wecom.onboarding")
def on_contact_added(
    sender: object,
    *,
    corp_id: str,
    user_id: str,
    external_user_id: str,
    staff: Staff | None,
    customer: Customer,
    state: str,
    welcome_code: str,
    occurred_at: datetime,
    **_: Any,
) -> None:
    payload = ContactAdded(
        corp_id,
        user_id,
        external_user_id,
        customer.pk,
        staff.pk if staff else None,
        state,
        welcome_code,
        occurred_at.isoformat(),
    )
    onboard_contact.enqueue(asdict(payload))


@repeatable
@task(queue_name="fast", priority=10)
def onboard_contact(payload: dict[str, Any]) -> dict[str, Any]:
    return run_onboarding(ContactAdded(**payload), client=wecom_client())


def run_onboarding(event: ContactAdded, *, client: WeComClient) -> dict[str, Any]:
    customer = _live(Customer.objects.get(pk=event.customer_id))
    staff = Staff.objects.filter(pk=event.staff_id).first() if event.staff_id else None
    at = datetime.fromisoformat(event.occurred_at)
    code = code_for_state(event.state)
    welcome = None
    if code is not None and event.welcome_code:
        welcome = _welcome(client, event, code, customer, staff, at)
    customer = enrich_from_wecom(client, event, customer)
    result: dict[str, Any] = {"customer": customer.pk, "welcome": welcome, "channel": None}
    if code is not None:
        result["channel"] = code.channel.name
        _attribute(client, event, customer, code, staff, at)
    # The one line an operator reads per new contact (ids only: no names, no phones).
    log.info(
        "wecom contact onboarded: customer %s, channel %s, welcome %s, staff %s",
        customer.pk,
        result["channel"] or "-",
        welcome or "-",
        event.user_id or "-",
    )
    return result


def _welcome(
    client: WeComClient,
    event: ContactAdded,
    code: ChannelCode,
    customer: Customer,
    staff: Staff | None,
    at: datetime,
) -> str | None:
    """Send the welcome first (its code dies 20 s after the add). WeCom's answers and its
    silence are outcomes of the send; anything else is a bug, logged, and must still not
    cost the customer the local part of onboarding."""
    try:
        send = send_welcome(
            event.welcome_code,
            channel=code.channel,
            customer=customer,
            staff=staff,
            event_at=at,
            sender=WeComWelcomeSender(client),
            variant=code.welcome_variant,
        )
    except Exception:
        log.exception("welcome for %s failed; onboarding goes on", event.key)
        return None
    return send.status if send else None


def _live(customer: Customer) -> Customer:
    while customer.merged_into_id is not None and customer.merged_into is not None:
        customer = customer.merged_into
    return customer


def enrich_from_wecom(client: WeComClient, event: ContactAdded, customer: Customer) -> Customer:
    """Name, unionid and the phone staff noted (remark_mobiles) from externalcontact/get.
    A Taobao/JD buyer imported with that phone merges into this profile here."""
    try:
        data = client.get_external_contact(event.external_user_id)
    except UNREACHED as exc:
        log.warning("externalcontact/get failed, profile not enriched: %s", exc)
        return customer
    contact = data.get("external_contact", {})
    identities = [IdentityInput("wecom_external_userid", event.external_user_id, event.corp_id)]
    if contact.get("unionid"):
        identities.append(IdentityInput("wechat_unionid", str(contact["unionid"])))
    fields: dict[str, Any] = {}
    for follow in data.get("follow_user", []):
        if follow.get("userid") == event.user_id and follow.get("remark_mobiles"):
            fields["phone"] = str(follow["remark_mobiles"][0])
    if contact.get("name") and not customer.display_name:
        fields["display_name"] = str(contact["name"])[:100]
    if fields.get("phone"):
        identities.append(IdentityInput("phone", fields["phone"]))
    try:
        return _live(upsert_customer(identities, fields=fields, source=SOURCE))
    except (NoUsableIdentity, ValueError) as exc:
        log.warning("profile enrichment refused: %s", exc)
        return customer


def _attribute(
    client: WeComClient,
    event: ContactAdded,
    customer: Customer,
    code: ChannelCode,
    staff: Staff | None,
    at: datetime,
) -> None:
    with transaction.atomic():
        attribution = attribute_contact(
            customer, state=event.state, staff=staff, occurred_at=at, idempotency_key=event.key
        )
        if attribution is None:
            return
        add_tag(
            customer, ensure_tag(CHANNEL_TAG_GROUP, code.channel.name), source=TagSource.CHANNEL
        )
        for tag in code.tags.all():
            add_tag(customer, tag, source=TagSource.CHANNEL)
        if staff is not None:
            follow_customer(customer, staff, primary=attribution.first_touch, at=at)
        record_event(
            customer,
            type="onboarded",
            occurred_at=at,
            properties={
                "channel": code.channel.name,
                "state": event.state,
                "first_touch": attribution.first_touch,
            },
            source=SOURCE,
            idempotency_key=f"onboarded:{event.key}"[:128],
        )
        # The same channel tag on the WeCom card, so staff see it: after commit.
        queue_call(
            "mark_channel_tag",
            {
                "group": CHANNEL_TAG_GROUP,
                "tag": code.channel.name,
                "user_id": event.user_id,
                "external_user_id": event.external_user_id,
            },
            ordering_key=f"{event.corp_id}:contact:{event.user_id}:{event.external_user_id}",
            key=f"mark-channel-tag:{event.key}",
        )
    rotate_code(code, gateway=WeComChannelGateway(client))  # pushed through the outbox
