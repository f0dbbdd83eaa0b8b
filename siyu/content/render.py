"""Render a material for one customer (or for everyone of a mass task) as a Message.

Variables: ``{name}`` (the customer's display name), ``{owner}`` (their owner's name),
``{store}`` (their store), ``{coupon}`` (a coupon link the caller passes; removed when
there is none). The material's own URL becomes a tracked link (siyu/content/links.py):
per (send, recipient) when the channel carries per-recipient content (1:1 sidebar sends,
app messages), per send when one content goes to everyone (WeCom mass tasks; the reader
is then identified by WeChat's web OAuth openid). Links in the text that are not the
material's URL are left as they are: a tracked link only ever leads to its material.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.utils import timezone

from siyu.content.links import ensure_link, link_url
from siyu.content.models import ContentSend, Material, MaterialKind, MaterialVariant
from siyu.customers.models import Customer
from siyu.messaging.send import Message

VARIABLES = ("name", "owner", "store", "coupon")


class _Values(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"  # an unknown {word} stays as typed


def fill(text: str, values: dict[str, str]) -> str:
    return text.format_map(_Values(values)) if "{" in text else text


def variables_for(customer: Customer | None, coupon_url: str = "") -> dict[str, str]:
    if customer is None:
        return {"name": "", "owner": "", "store": "", "coupon": coupon_url}
    owner = customer.primary_owner
    return {
        "name": customer.display_name,
        "owner": owner.display_name if owner else "",
        "store": customer.org_unit.name if customer.org_unit else "",
        "coupon": coupon_url,
    }


def pick_variant(material: Material, seed: str) -> MaterialVariant | None:
    """The same recipient of the same send always gets the same variant, by weight."""
    variants = [v for v in material.variants.all() if v.is_active and v.weight > 0]
    if not variants:
        return None
    total = sum(v.weight for v in variants)
    point = int(hashlib.sha256(seed.encode()).hexdigest()[:12], 16) % total
    for v in variants:
        point -= v.weight
        if point < 0:
            return v
    return variants[-1]  # pragma: no cover - the loop always returns


def _attachment(material: Material, title: str, text: str, url: str) -> dict[str, Any] | None:
    kind = material.kind
    if kind in (MaterialKind.ARTICLE, MaterialKind.LINK):
        return {
            "msgtype": "link",
            "link": {
                "title": title,
                "desc": text[:120],
                "url": url,
                "media_key": material.media_key,
            },
        }
    if kind == MaterialKind.MINIPROGRAM:
        return {
            "msgtype": "miniprogram",
            "miniprogram": {
                "title": title,
                "appid": material.miniprogram_appid,
                "page": material.miniprogram_page,
                "media_key": material.media_key,
            },
        }
    if kind in (MaterialKind.IMAGE, MaterialKind.POSTER, MaterialKind.VIDEO, MaterialKind.FILE):
        msgtype = "image" if kind == MaterialKind.POSTER else str(kind)
        return {"msgtype": msgtype, msgtype: {"media_key": material.media_key}}
    return None


def render_material(
    material_id: int,
    customer_id: int | None,
    *,
    send_ref: str,
    coupon_url: str = "",
    sender_id: int | None = None,
) -> Message:
    """The message for this customer (None: the one content of a mass send). Records the
    send (for conversion) and its tracked link; calling it again returns the same link."""
    material = Material.objects.prefetch_related("variants").get(pk=material_id)
    customer = (
        Customer.objects.select_related("primary_owner", "org_unit").get(pk=customer_id)
        if customer_id is not None
        else None
    )
    recipient = f"c:{customer_id}" if customer_id is not None else "*"
    variant = pick_variant(material, f"{send_ref}:{recipient}")
    values = variables_for(customer, coupon_url)
    title = variant.title if variant and variant.title else material.title
    text = fill(variant.text if variant and variant.text else material.text, values)
    ContentSend.objects.get_or_create(
        send_ref=send_ref[:120],
        material=material,
        recipient=recipient,
        defaults={"variant": variant, "customer": customer, "sent_at": timezone.now()},
    )
    url = ""
    if material.url:
        link = ensure_link(material, variant, send_ref, customer, sender_id=sender_id)
        url = link_url(link)
    attachment = _attachment(material, fill(title, values), text, url)
    if attachment is None and url:
        text = f"{text}\n{url}" if text else url
    return Message(
        text=text,
        attachments=(attachment,) if attachment else (),
        url=url,
        fields={"material_id": str(material.pk), "variant_id": str(variant.pk if variant else "")},
    )
