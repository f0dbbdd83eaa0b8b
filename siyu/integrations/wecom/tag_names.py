"""Names for WeCom tag events, which carry only ids: ask get_corp_tag_list."""

from __future__ import annotations

import logging

import httpx
from django.core.exceptions import ImproperlyConfigured

from siyu.integrations.wecom.client.errors import WeComError
from siyu.integrations.wecom.events import CorpTag
from siyu.integrations.wecom.transport import wecom_client

log = logging.getLogger(__name__)


def lookup_corp_tags(corp_id: str, tag_type: str, tag_id: str) -> list[CorpTag]:
    """The tags an event's id names: the tag itself, or every tag of a tag group."""
    ids = {"tag_ids": [tag_id]} if tag_type == "tag" else {"group_ids": [tag_id]}
    try:
        groups = wecom_client().corp_tag_list(**ids)
    except (WeComError, httpx.HTTPError, ImproperlyConfigured) as exc:
        # The event stays in the inbox as done; the nightly sync mirrors tags again.
        log.warning("wecom tag %s %s: names not fetched: %s", tag_type, tag_id, exc)
        return []
    return [
        CorpTag(str(group.get("group_name", "")), str(tag.get("name", "")))
        for group in groups
        for tag in group.get("tag", [])
        if group.get("group_name") and tag.get("name")
    ]
