"""One staff–customer relation from batch/get_by_user applied through the customer verbs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from django.db import transaction

from siyu.core.models import Staff
from siyu.customers.follows import follow_customer
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.models import Customer, CustomerFollow, Identity, Tag, TagSource
from siyu.customers.profiles import NoUsableIdentity, upsert_customer
from siyu.customers.tagging import add_tag, ensure_tag
from siyu.integrations.wecom.client.api import WeComClient

Json = dict[str, Any]
SOURCE = "wecom_sync"
EXTERNAL = "wecom_external_userid"
BATCH_BY_USER = "/cgi-bin/externalcontact/batch/get_by_user"
PAGE_LIMIT = 100  # WeCom's maximum for batch/get_by_user


def fetch_page(client: WeComClient, userid: str, cursor: str) -> tuple[list[Json], str]:
    """One cursor page for one staff member. The client's ``contacts_by_user`` hides the
    cursor; the sync needs it to checkpoint between pages."""
    body = {"userid_list": [userid], "cursor": cursor, "limit": PAGE_LIMIT}
    data = client.post(BATCH_BY_USER, body)
    return list(data.get("external_contact_list", [])), str(data.get("next_cursor") or "")


def iter_contacts(client: WeComClient, userid: str) -> Iterator[Json]:
    cursor = ""
    while True:
        items, cursor = fetch_page(client, userid, cursor)
        yield from items
        if not cursor:
            return


def mirror_corp_tags(client: WeComClient, counts: Counter[str]) -> dict[str, Tag]:
    """WeCom tag id → our tag (group = WeCom's tag group name)."""
    mirrored: dict[str, Tag] = {}
    for group in client.corp_tag_list():
        group_name = str(group.get("group_name", "")).strip()
        for spec in group.get("tag", []):
            name = str(spec.get("name", "")).strip()
            if not group_name or not name:
                continue
            known = Tag.objects.filter(group__name=group_name, name=name).exists()
            mirrored[str(spec["id"])] = ensure_tag(group_name, name)
            counts["tags_created"] += not known
    return mirrored


def _tag_ids(follow_info: Json) -> list[str]:
    # The real API lists ``tag_id`` strings in batch/get_by_user; externalcontact/get (and
    # the simulator) give ``tags`` objects. Accept both.
    ids = [str(t) for t in follow_info.get("tag_id") or []]
    ids.extend(str(t.get("tag_id")) for t in follow_info.get("tags") or [] if t.get("tag_id"))
    return ids


def _added_at(follow_info: Json) -> datetime | None:
    raw = follow_info.get("createtime")
    return datetime.fromtimestamp(int(raw), tz=UTC) if raw else None


def _profile(corp_id: str, contact: Json, counts: Counter[str]) -> Customer | None:
    ext = str(contact.get("external_userid", ""))
    identities = [IdentityInput(EXTERNAL, ext, corp_id)]
    if contact.get("unionid"):
        identities.append(IdentityInput("wechat_unionid", str(contact["unionid"])))
    known = Identity.objects.filter(
        type=EXTERNAL, namespace=corp_id, value=ext, customer__isnull=False
    ).first()
    fields: Json = {}
    name = str(contact.get("name") or "")[:100]
    # Like onboarding: WeCom's nickname only fills an empty name, never overwrites ours.
    if name and (known is None or not known.customer or not known.customer.display_name):
        fields["display_name"] = name
    try:
        customer = upsert_customer(identities, fields=fields, source=SOURCE)
    except NoUsableIdentity:
        counts["refused"] += 1
        return None
    counts["customers_created"] += known is None
    return customer


@transaction.atomic
def apply_relation(
    item: Json, staff: Staff, corp_id: str, tags: dict[str, Tag], counts: Counter[str]
) -> Customer | None:
    """Profile, open follow and WeCom tag marks for one relation; a no-op the second time."""
    customer = _profile(corp_id, item.get("external_contact") or {}, counts)
    if customer is None:
        return None
    follow_info = item.get("follow_info") or {}
    is_open = CustomerFollow.objects.filter(
        customer=customer, staff=staff, ended_at__isnull=True
    ).exists()
    if not is_open:
        follow_customer(customer, staff, at=_added_at(follow_info))
        counts["follows_added"] += 1
    for tag_id in _tag_ids(follow_info):
        tag = tags.get(tag_id)
        if tag is not None:
            counts["tags_marked"] += add_tag(customer, tag, source=TagSource.WECOM)
    return customer
