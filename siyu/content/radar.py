"""The radar (互动雷达): a tracked link opened, read for a while, clicked through, forwarded.

Each open is a ``LinkOpen`` row (attribution reads them) and, when the reader is a known
customer, a ``material_open`` customer event (journeys and segments read the feed). The
owner hears of a read through messaging (a WeCom app message), at most once per reader and
link every ``SIYU_CONTENT_NOTICE_MINUTES`` and never from a beacon.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from siyu.content.links import chat_of_send_ref
from siyu.content.models import LinkOpen, LinkViewer, TrackedLink
from siyu.customers.events import record_event
from siyu.customers.models import Customer, CustomerStatus, Identity
from siyu.messaging.models import Channel, Priority
from siyu.messaging.send import Message, SendRequest, send

log = logging.getLogger(__name__)
MAX_BEACON_SECONDS = 4 * 3600  # a page left open overnight is not four hours of reading


@dataclass(frozen=True)
class Reader:
    """Who is reading: ``key`` is "o:<openid>" (WeChat OAuth) or "b:<browser token>"."""

    key: str
    openid: str = ""


@dataclass(frozen=True)
class Opened:
    link: TrackedLink
    viewer: LinkViewer
    open_id: int


def _customer_of(reader: Reader, link: TrackedLink, first: bool) -> Customer | None:
    if reader.openid:
        found = (
            Identity.objects.filter(type="wechat_openid", value=reader.openid)
            .exclude(customer=None)
            .values_list("customer_id", flat=True)
            .first()
        )
        if found is not None:
            return Customer.objects.filter(pk=found, status=CustomerStatus.ACTIVE).first()
    # A per-recipient link's first reader is taken to be its recipient; later unknown
    # browsers are people it was forwarded to.
    if first and link.customer_id is not None:
        return link.customer
    return None


def record_open(
    code: str, reader: Reader, at: datetime | None = None, *, notify: bool = True
) -> Opened | None:
    at = at or timezone.now()
    link = TrackedLink.objects.select_related("material", "customer").filter(code=code).first()
    if link is None:
        return None
    with transaction.atomic():
        first = not LinkViewer.objects.filter(link=link).exists()
        viewer, _created = LinkViewer.objects.select_for_update().get_or_create(
            link=link,
            viewer=reader.key[:80],
            defaults={"first_opened_at": at, "last_opened_at": at},
        )
        customer = viewer.customer if viewer.customer_id else _customer_of(reader, link, first)
        forwarded = link.customer_id is not None and (
            customer is None or customer.pk != link.customer_id
        )
        LinkViewer.objects.filter(pk=viewer.pk).update(
            opens=F("opens") + 1,
            last_opened_at=at,
            customer=customer,
            forwarded=forwarded or (link.customer_id is None and not first and customer is None),
        )
        viewer.refresh_from_db()
        row = LinkOpen.objects.create(
            viewer=viewer,
            material=link.material,
            variant_id=link.variant_id,
            customer=customer,
            opened_at=at,
        )
        if customer is not None:
            chat_id = chat_of_send_ref(link.send_ref)  # a group post's reader: the group
            record_event(
                customer,
                type="material_open",
                occurred_at=at,
                properties={
                    "material_id": link.material_id,
                    "variant_id": link.variant_id,
                    "link": link.code,
                    "opens": viewer.opens,
                    "seconds": viewer.seconds,
                    **({"chat_id": chat_id} if chat_id else {}),
                },
                source="content",
                idempotency_key=f"material_open:{viewer.pk}:{viewer.opens}",
            )
    opened = Opened(link, viewer, row.pk)
    if notify:
        notify_owner(opened, at)
    return opened


def record_beacon(code: str, reader: Reader, open_id: int, seconds: int) -> bool:
    """The page says it has been read ``seconds`` since this open: keep the longest."""
    seconds = max(0, min(seconds, MAX_BEACON_SECONDS))
    with transaction.atomic():
        row = (
            LinkOpen.objects.select_for_update()
            .filter(pk=open_id, viewer__link__code=code, viewer__viewer=reader.key[:80])
            .first()
        )
        if row is None:
            return False
        if seconds > row.seconds:
            LinkOpen.objects.filter(pk=row.pk).update(seconds=seconds)
            total = LinkOpen.objects.filter(viewer_id=row.viewer_id).aggregate(s=Sum("seconds"))
            LinkViewer.objects.filter(pk=row.viewer_id).update(seconds=total["s"] or 0)
    return True


def record_click(code: str, reader: Reader) -> str | None:
    """The material's own URL for a click-through (the only place a link leads)."""
    link = TrackedLink.objects.select_related("material").filter(code=code).first()
    if link is None or not link.material.url:
        return None
    LinkViewer.objects.filter(link=link, viewer=reader.key[:80]).update(clicks=F("clicks") + 1)
    return str(link.material.url)


def notice_text(name: str, opens: int, title: str) -> str:
    return _("%(name)s is reading “%(title)s” (time %(n)d)") % {
        "name": name or _("A reader"),
        "n": opens,
        "title": title,
    }


def notify_owner(opened: Opened, at: datetime) -> bool:
    """Tell the sender (else the customer's owner) who is reading, throttled per reader."""
    link, viewer = opened.link, opened.viewer
    customer = viewer.customer
    staff_id = link.sender_id or (customer.primary_owner_id if customer else None)
    if staff_id is None:
        return False
    cutoff = at - timedelta(minutes=settings.SIYU_CONTENT_NOTICE_MINUTES)
    # The conditional update is the throttle: two opens at once claim it only once.
    claimed = (
        LinkViewer.objects.filter(pk=viewer.pk)
        .filter(Q(notified_at__isnull=True) | Q(notified_at__lte=cutoff))
        .update(notified_at=at)
    )
    if not claimed:
        return False
    # The staff member reads the brand's language, not the reader's browser's.
    with translation.override(settings.LANGUAGE_CODE):
        text = notice_text(
            customer.display_name if customer else "", viewer.opens, link.material.title
        )
    send(
        SendRequest(
            source="content",
            source_id=f"read:{viewer.pk}:{viewer.opens}",
            channel=Channel.WECOM_APP,
            message=Message(text=text),
            staff_ids=[staff_id],
            purpose="",
            priority=Priority.TRANSACTIONAL,
            title=text[:200],
            about=customer.pk if customer else None,
        )
    )
    return True
