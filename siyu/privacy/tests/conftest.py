"""The demo's 张敏 with her merged Tmall history, plus a row in every other table that
can hold something about a person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from itertools import islice

import pytest
from django.utils import timezone

from siyu.channels.models import Attribution, Channel, Touch, WelcomeSend
from siyu.customers.models import Customer, CustomerStatus, ReviewFlag, ReviewKind
from siyu.demo import catalog
from siyu.demo.brand import Brand
from siyu.demo.channels import build_channels
from siyu.demo.load import load_people
from siyu.demo.personas import PERSONA_COUNT
from siyu.demo.simulate import plan_people
from siyu.integrations.wecom.models import CallbackInbox, OutboundCall
from siyu.privacy.models import PrivacyRequest, RaisedBy, RequestKind
from siyu.segments.models import Membership, Segment, Snapshot, SnapshotMember
from siyu.transfers.models import TransferItem, TransferJob

EXTERNAL_ID = "wmP_zhangmin"
CORP = catalog.WECOM_CORP


@dataclass(frozen=True)
class Zhang:
    customer: Customer
    brand: Brand


def add_rows_in_every_app(customer: Customer, brand: Brand) -> None:
    now = timezone.now()
    channel = Channel.objects.order_by("pk").first()
    assert channel is not None
    Attribution.objects.create(customer=customer, channel=channel, touched_at=now)
    Touch.objects.create(
        customer=customer,
        channel=channel,
        occurred_at=now,
        idempotency_key=f"wecom:{CORP}:{EXTERNAL_ID}:add",
    )
    WelcomeSend.objects.create(welcome_code="WC-zhang", customer=customer, event_at=now)
    segment = Segment.objects.create(name="高价值", rule={"all": []})
    Membership.objects.create(segment=segment, customer=customer, joined_at=now)
    snapshot = Snapshot.objects.create(segment=segment, rule={}, taken_at=now)
    SnapshotMember.objects.create(snapshot=snapshot, customer=customer)
    job = TransferJob.objects.create(
        from_staff=brand.chen_jing, to_staff=brand.wang_qiang, created_at=now, updated_at=now
    )
    TransferItem.objects.create(
        job=job, customer=customer, external_userid=EXTERNAL_ID, updated_at=now
    )
    ReviewFlag.objects.create(kind=ReviewKind.MERGE_LIMIT, customer=customer, created_at=now)
    CallbackInbox.objects.create(
        corp_id=CORP,
        idempotency_key="zhang-add",
        ordering_key=f"{CORP}:contact:chen.jing:{EXTERNAL_ID}",
        payload=f"<xml><ExternalUserID><![CDATA[{EXTERNAL_ID}]]></ExternalUserID></xml>",
        received_at=now - timedelta(days=1),
    )
    PrivacyRequest.objects.create(
        customer=customer,
        kind=RequestKind.ACCESS,
        raised_by=RaisedBy.OPERATOR,
        due_at=now + timedelta(days=15),
        created_at=now,
        updated_at=now,
    )
    OutboundCall.objects.create(
        action="mark_tag",
        payload={"external_userid": EXTERNAL_ID, "tag": "VIP"},
        ordering_key="tag",
        idempotency_key="zhang-tag",
        due_at=now,
        created_at=now,
    )


@pytest.fixture
def zhang(brand: Brand) -> Zhang:
    build_channels(catalog.DEFAULT_NOW)
    load_people(brand, islice(plan_people(), PERSONA_COUNT))
    customer = Customer.objects.get(display_name="张敏", status=CustomerStatus.ACTIVE)
    add_rows_in_every_app(customer, brand)
    return Zhang(customer, brand)
