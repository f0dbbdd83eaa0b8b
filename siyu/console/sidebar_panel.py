"""What the chat sidebar shows, read in a fixed number of queries (the sidebar's query-count
test and benchmarks/sidebar.py hold it to that)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Q, Sum

from siyu.console.views.customers import tag_context
from siyu.content.models import Material, MaterialKind
from siyu.content.scope import usable_materials
from siyu.core.models import Staff
from siyu.customers.models import Customer, Identity, Order
from siyu.customers.scope import visible_customers
from siyu.groups.models import GroupChat
from siyu.integrations.wecom.client.models import MediaUpload
from siyu.messaging.budget import left_for_customer
from siyu.messaging.send import Message
from siyu.workbench.queries import notes_for, open_tasks_for

RECENT_ORDERS = 5
SCRIPTS = 4
MATERIALS = 6
SIDEBAR_NOTES = 5  # the latest follow-up notes; the 360 page has them all


def find_customer(user: User | AnonymousUser, external_userid: str) -> Customer | None:
    if not external_userid:
        return None
    # The corp is the identity's namespace: the lookup is one unique-index probe.
    customer_id = (
        Identity.objects.filter(
            type="wecom_external_userid",
            namespace=settings.SIYU_WECOM_CORP_ID,
            value=external_userid,
        )
        .exclude(customer=None)
        .values_list("customer_id", flat=True)
        .first()
    )
    if customer_id is None:
        return None
    return (
        visible_customers(user)
        .select_related("primary_owner", "org_unit")
        .filter(pk=customer_id)
        .first()
    )


def recommended(staff: Staff, tag_names: set[str]) -> tuple[list[Material], list[Material]]:
    """Scripts and materials this staff member may use, those sharing a tag with the
    customer first, then the newest."""
    pool: list[Material] = list(
        usable_materials(staff)
        .annotate(hits=Count("tags", filter=Q(tags__name__in=tag_names)))
        .order_by("-hits", "-id")[:40]
    )
    scripts = [m for m in pool if m.kind == MaterialKind.SCRIPT][:SCRIPTS]
    others = [m for m in pool if m.kind != MaterialKind.SCRIPT][:MATERIALS]
    return scripts, others


def customer_panel(
    user: User | AnonymousUser, staff: Staff, external_userid: str
) -> dict[str, Any] | None:
    customer = find_customer(user, external_userid)
    if customer is None:
        return None
    tags = tag_context(customer)
    orders = customer.orders.order_by("-paid_at")
    per_platform = list(
        orders.order_by()
        .values("platform")
        .annotate(n=Count("pk"), paid=Sum("paid_fen"), refunded=Sum("refunded_fen"))
        .order_by("-paid")
    )
    labels = dict(Order._meta.get_field("platform").choices or [])
    for row in per_platform:
        row["label"] = labels.get(row["platform"], row["platform"])
        row["net_yuan"] = f"{((row['paid'] or 0) - (row['refunded'] or 0)) / 100:,.2f}"
    scripts, materials = recommended(staff, {link.tag.name for link in tags["tag_links"]})
    return {
        **tags,
        "customer": customer,
        "recent_orders": list(orders[:RECENT_ORDERS]),
        "platforms": per_platform,
        "budget": left_for_customer(customer),
        "scripts": scripts,
        "materials": materials,
        # The rep's own open tasks for this customer and everyone's latest notes.
        "tasks": open_tasks_for(customer.pk, staff.pk),
        "notes": notes_for(customer.pk, limit=SIDEBAR_NOTES),
    }


def group_panel(staff: Staff, chat_id: str) -> dict[str, Any]:
    group = GroupChat.objects.filter(chat_id=chat_id).first() if chat_id else None
    scripts, materials = recommended(staff, set())
    return {"group": group, "chat_id": chat_id, "scripts": scripts, "materials": materials}


def _media_id(key: str) -> str:
    """The live WeCom media id of a cached upload (the worker keeps them ahead of expiry)."""
    if not key:
        return ""
    row = MediaUpload.objects.filter(key=key).order_by("-expires_at").first()
    return str(row.media_id) if row is not None else ""


def message_for_chat(material: Material, message: Message) -> dict[str, Any]:
    """``sendChatMessage``'s arguments: news for links, a mini-program card, media by
    their cached media id, text otherwise (and when a medium is not uploaded yet)."""
    kind = material.kind
    if kind in (MaterialKind.ARTICLE, MaterialKind.LINK) and message.url:
        return {
            "msgtype": "news",
            "news": {"link": message.url, "title": material.title, "desc": message.text[:120]},
        }
    if kind == MaterialKind.MINIPROGRAM:
        return {
            "msgtype": "miniprogram",
            "miniprogram": {
                "appid": material.miniprogram_appid,
                "title": material.title,
                "imgUrl": "",
                "page": material.miniprogram_page,
            },
        }
    media_type = {"image": "image", "poster": "image", "video": "video", "file": "file"}
    if kind in media_type and (media_id := _media_id(material.media_key)):
        return {"msgtype": media_type[kind], media_type[kind]: {"mediaid": media_id}}
    return {"msgtype": "text", "text": {"content": message.text or material.title}}
