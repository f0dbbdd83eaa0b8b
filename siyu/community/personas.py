"""Personas (人设) and the account matrix: one face (name, avatar, bio, voice, certified
expertise) operated by one or more staff accounts, so customers meet the same persona
whoever is behind it. Moments are planned per persona through messaging's moments channel
(one staff task per operating account); completion and performance are read per staff."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.community.models import Persona, PersonaMoment
from siyu.core.models import Staff
from siyu.customers.models import CustomerFollow, Order
from siyu.messaging.models import Channel, Send, SendStatus
from siyu.messaging.send import Message, Outcome, SendRequest, send

SOURCE = "community-persona"


class PersonaError(ValueError):
    pass


@transaction.atomic
def save_persona(
    name: str,
    *,
    staff: Sequence[Staff],
    avatar: str = "",
    bio: str = "",
    voice: str = "",
    certifications: Sequence[str] = (),
    persona: Persona | None = None,
) -> Persona:
    if not name.strip():
        raise PersonaError(_("A persona needs a name."))
    row = persona or Persona(created_at=timezone.now())
    row.name, row.avatar, row.bio, row.voice = name.strip()[:60], avatar, bio, voice
    row.certifications = [c.strip()[:100] for c in certifications if c.strip()][:20]
    row.save()
    row.staff.set(staff)
    return row


def plan_moment(
    persona: Persona, text: str, at: datetime, *, created_by_id: int | None = None
) -> tuple[PersonaMoment, Outcome]:
    if not text.strip():
        raise PersonaError(_("Write the moment."))
    staff_ids = sorted(persona.staff.values_list("pk", flat=True))
    if not staff_ids:
        raise PersonaError(_("No staff account operates this persona."))
    with transaction.atomic():
        moment = PersonaMoment.objects.create(
            persona=persona, text=text.strip(), scheduled_at=at, created_at=timezone.now()
        )
    outcome = send(
        SendRequest(
            source=SOURCE,
            source_id=moment.source_id,
            channel=Channel.WECOM_MOMENT,
            message=Message(text=moment.text),
            staff_ids=staff_ids,
            at=at,
            title=persona.name,
            created_by_id=created_by_id,
        )
    )
    return moment, outcome


@dataclass(frozen=True)
class StaffCompletion:
    staff_id: int
    name: str
    planned: int
    posted: int

    @property
    def percent(self) -> int:
        return self.posted * 100 // self.planned if self.planned else 0


def completion(persona: Persona) -> list[StaffCompletion]:
    """Per operating account: moments planned for it, and those it posted."""
    ids = [m.source_id for m in persona.moments.order_by("-pk")[:500]]
    rows = (
        Send.objects.filter(source=SOURCE, source_id__in=ids, channel=Channel.WECOM_MOMENT)
        .exclude(status=SendStatus.BLOCKED)
        .values_list("staff_id", "status")
    )
    planned: Counter[int] = Counter()
    posted: Counter[int] = Counter()
    for staff_id, status in rows:
        planned[staff_id] += 1
        posted[staff_id] += status == SendStatus.SENT
    names = dict(Staff.objects.filter(pk__in=list(planned)).values_list("pk", "display_name"))
    return [
        StaffCompletion(pk, str(names.get(pk, pk)), planned[pk], posted[pk])
        for pk in sorted(planned)
    ]


@dataclass(frozen=True)
class Performance:
    contacts: int
    buyers: int
    gmv_fen: int

    @property
    def conversion_percent(self) -> int:
        return self.buyers * 100 // self.contacts if self.contacts else 0


def performance(persona: Persona) -> Performance:
    """Customers the persona's accounts follow, those who paid after the follow began,
    and what they paid since (GMV, fen)."""
    staff = list(persona.staff.values_list("pk", flat=True))
    follows = CustomerFollow.objects.filter(staff_id__in=staff, ended_at__isnull=True)
    contacts = follows.values("customer_id").distinct().count()
    after_follow = Q(
        customer__follows__staff_id__in=staff,
        customer__follows__ended_at__isnull=True,
        paid_at__gte=F("customer__follows__created_at"),
    )
    # By id: an order of a customer two of the accounts follow is counted once.
    orders = Order.objects.filter(pk__in=Order.objects.filter(after_follow).values("pk"))
    totals = orders.aggregate(buyers=Count("customer_id", distinct=True), fen=Sum("paid_fen"))
    return Performance(contacts, int(totals["buyers"] or 0), int(totals["fen"] or 0))
