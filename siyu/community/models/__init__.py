"""Community operations on top of the customer groups: group codes (群活码) and invites,
the group SOP calendar, check-ins, and personas (人设) with their moments."""

from siyu.community.models.codes import CodeChat, CodeStatus, GroupCode, GroupInvite, GroupJoin
from siyu.community.models.personas import Persona, PersonaMoment
from siyu.community.models.sop import (
    CommunitySettings,
    GroupCheckIn,
    GroupPost,
    PostKind,
    PostStatus,
    SopSlot,
)

__all__ = [
    "CodeChat",
    "CodeStatus",
    "CommunitySettings",
    "GroupCheckIn",
    "GroupCode",
    "GroupInvite",
    "GroupJoin",
    "GroupPost",
    "Persona",
    "PersonaMoment",
    "PostKind",
    "PostStatus",
    "SopSlot",
]
