"""``WeComClient``: every API area on one object over one shared token and limiter."""

from __future__ import annotations

from siyu.integrations.wecom.client.contacts import ContactsAPI
from siyu.integrations.wecom.client.groupmsg import GroupMsgAPI
from siyu.integrations.wecom.client.groups import GroupsAPI
from siyu.integrations.wecom.client.joinways import JoinWaysAPI
from siyu.integrations.wecom.client.messages import MessagesAPI
from siyu.integrations.wecom.client.tags import TagsAPI
from siyu.integrations.wecom.client.transfer import TransferAPI
from siyu.integrations.wecom.client.ways import WaysAPI


class WeComClient(
    ContactsAPI, TagsAPI, WaysAPI, MessagesAPI, GroupMsgAPI, GroupsAPI, TransferAPI, JoinWaysAPI
):
    pass
