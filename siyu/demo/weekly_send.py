"""The demo's weekly mass send: a segment, one WeCom task per owner, simulated staff
who confirm within minutes (one never does, so reminders and expiry show)."""

from __future__ import annotations

import logging
import random

from django.utils import timezone

from siyu.customers.models import Customer
from siyu.integrations.wecom.simulator.server import Simulator
from siyu.messaging.models import Channel
from siyu.messaging.send import Message, Outcome, SendRequest, send
from siyu.segments.define import create_segment
from siyu.segments.membership import refresh_segment
from siyu.segments.models import Membership, Segment

log = logging.getLogger(__name__)
SEGMENT = "活跃会员（每周群发）"
RULE = {"kind": "profile", "field": "lifecycle_stage", "values": ["active"]}


def plan_weekly_send(sim: Simulator, seed: int = 7) -> Outcome:
    rng = random.Random(seed)
    for i, userid in enumerate(sim.world.staff):
        if i == 2:
            sim.never_confirms(userid)  # someone always forgets: reminders, then expiry
        else:
            sim.confirms(userid, after=rng.uniform(20, 180))
    segment = Segment.objects.filter(name=SEGMENT).first() or create_segment(SEGMENT, RULE)
    refresh_segment(segment.pk)
    members = Membership.objects.filter(segment=segment, left_at__isnull=True).values("customer_id")
    week = timezone.localdate().isocalendar()
    outcome = send(
        SendRequest(
            source="demo",
            source_id=f"weekly-{week.year}-W{week.week:02d}",
            channel=Channel.WECOM_CUSTOMER,
            message=Message(text="本周新品：桂花拿铁，会员第二杯半价"),
            customers=Customer.objects.filter(pk__in=members),
            title="每周新品推荐",
            audience=segment.name,
        )
    )
    log.info("weekly mass send: %s, %d staff tasks", dict(outcome.counts), outcome.tasks)
    return outcome
