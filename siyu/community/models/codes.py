"""Group codes: one WeCom join-way config over at most 5 groups, and who came in by it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.customers.models import Customer, Tag
from siyu.groups.models import GroupChat
from siyu.segments.models import Segment

STATE_MAX_LENGTH = 30  # WeCom's limit for a join way's state
MAX_CHATS = 5  # groups in one join-way config
SCAN_LIMIT = 200  # WeCom stops scan-to-join at 200 members (a group holds 500)


class CodeStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DELETED = "deleted", _("Deleted")


class GroupCode(models.Model):
    name = models.CharField(_("name"), max_length=100)
    state = models.CharField(max_length=STATE_MAX_LENGTH, unique=True)
    config_id = models.CharField(max_length=64, blank=True, default="")
    qr_code = models.URLField(max_length=500, blank=True, default="")
    status = models.CharField(max_length=10, choices=CodeStatus.choices, default=CodeStatus.ACTIVE)
    auto_create_room = models.BooleanField(_("open a new group when all are full"), default=True)
    room_base_name = models.CharField(_("new group name"), max_length=40, blank=True, default="")
    room_base_id = models.PositiveIntegerField(default=1)
    # Take a group off the code at this many members, before WeCom's 200 stops scans.
    rotate_at = models.PositiveSmallIntegerField(_("rotate at members"), default=190)
    # The chats WeCom was last told to list, in order (what the config holds).
    active_chat_ids = models.JSONField(default=list, blank=True)
    # A messaging Message (as_json) greeting those who join by this code.
    welcome = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class CodeChat(models.Model):
    """The groups a code may send scanners to, in order (more than 5 may queue up)."""

    code = models.ForeignKey(GroupCode, on_delete=models.CASCADE, related_name="chats")
    chat = models.ForeignKey(GroupChat, on_delete=models.CASCADE, related_name="codes")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code", "chat"], name="code_chat_once"),
        ]
        ordering = ["position", "pk"]


class GroupInvite(models.Model):
    """标签建群: everyone with a tag, or in a segment (or a list: the top KOCs), invited by a
    mass send of the code."""

    code = models.ForeignKey(GroupCode, on_delete=models.CASCADE, related_name="invites")
    tag = models.ForeignKey(Tag, null=True, blank=True, on_delete=models.SET_NULL)
    segment = models.ForeignKey(Segment, null=True, blank=True, on_delete=models.SET_NULL)
    # Who was invited, in words, when it was neither a tag nor a segment (the top KOCs).
    audience = models.CharField(max_length=200, blank=True, default="")
    text = models.TextField(_("invitation"))
    invited = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()

    @property
    def source_id(self) -> str:
        return f"invite:{self.pk}"


class GroupJoin(models.Model):
    """A member who came in by scanning a code (WeCom reports the code's state)."""

    code = models.ForeignKey(GroupCode, on_delete=models.CASCADE, related_name="joins")
    chat = models.ForeignKey(GroupChat, on_delete=models.CASCADE, related_name="code_joins")
    userid = models.CharField(max_length=64)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="group_joins"
    )
    invite = models.ForeignKey(
        GroupInvite, null=True, blank=True, on_delete=models.SET_NULL, related_name="joins"
    )
    joined_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code", "chat", "userid"], name="group_join_once"),
        ]
