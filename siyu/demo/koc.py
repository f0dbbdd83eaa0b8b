"""The demo's KOC programme: 山茶咖啡's KOC group (体验官群) with its group code, 赵蕾 and
the next top KOCs invited into it by a mass send carrying the code, and the group's own
SOP (weekly new-product trial, weekly content brief, monthly sharing session) planned.
Built after the referrals (the KOC list comes from them). Deterministic."""

from __future__ import annotations

from datetime import datetime

from siyu.community.codes import create_group_code
from siyu.community.models import GroupInvite
from siyu.demo.brand import load_brand
from siyu.demo.community import OfflineJoinWays
from siyu.groups.members import SeenMember, record_members
from siyu.groups.models import GroupChat, GroupTag, GroupType
from siyu.messaging.send import Message
from siyu.referrals.koc_group import invite_kocs, pick_kocs

KOC_GROUP = "wrDemoKocTasters01"
TOP = 5
INVITATION = "感谢你一直推荐山茶咖啡！邀请你加入「山茶咖啡·KOC 体验官群」：新品先试、每月分享会。"


def build_koc_group(now: datetime) -> GroupInvite | None:
    found = GroupInvite.objects.filter(code__chats__chat__chat_id=KOC_GROUP).first()
    if found is not None or not pick_kocs(top=TOP):
        return found
    # Run by 陈静, a sales rep of 静安店: her group, her manager's store's, and HQ's to see.
    owner = str(load_brand().chen_jing.wecom_userid)
    record_members(KOC_GROUP, [SeenMember(owner, 1, 1)])
    GroupChat.objects.filter(chat_id=KOC_GROUP).update(
        name="山茶咖啡·KOC 体验官群", owner_userid=owner, group_type=GroupType.KOC
    )
    chat = GroupChat.objects.get(chat_id=KOC_GROUP)
    chat.tags.set([GroupTag.objects.get_or_create(name="KOC")[0]])
    code = create_group_code(
        "KOC 体验官群活码", [chat], gateway=OfflineJoinWays(), room_base_name="山茶咖啡·KOC 体验官",
        welcome=Message(text="欢迎加入体验官群！每周三新品试用，每月 15 日分享会。"),
    )  # fmt: skip
    return invite_kocs(code, INVITATION, top=TOP, now=now).invite
