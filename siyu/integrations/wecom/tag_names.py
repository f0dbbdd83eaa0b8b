"""Names for WeCom tag events, which carry only ids: ask get_corp_tag_list."""

from __future__ import annotations

from siyu.integrations.wecom.client.api import WeComClient
from siyu.integrations.wecom.events import CorpTag


def lookup_corp_tags(client: WeComClient, tag_type: str, tag_id: str) -> list[CorpTag]:
    """The tags an event's id names: the tag itself, or every tag of a tag group. WeCom's
    errors are raised: the outbox retries the lookup later."""
    ids = {"tag_ids": [tag_id]} if tag_type == "tag" else {"group_ids": [tag_id]}
    groups = client.corp_tag_list(**ids)
    return [
        CorpTag(str(group.get("group_name", "")), str(tag.get("name", "")))
        for group in groups
        for tag in group.get("tag", [])
        if group.get("group_name") and tag.get("name")
    ]
