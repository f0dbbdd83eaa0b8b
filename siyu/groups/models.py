"""Customer groups (社群): the brand's WeCom customer group chats, their members and how
each member came in (join scene, and the join code's ``state`` WeCom reports for scans).

The WeCom adapter fills these rows through ``chats.py`` and ``members.py`` (sync and
callbacks); community operations (group codes, SOP, health) are built on them in
``siyu.community``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.customers.models import Customer


class GroupType(models.TextChoices):
    UNSET = "", _("Not set")
    STORE = "store", _("Store group")
    INTEREST = "interest", _("Interest group")
    TIER = "tier", _("Member tier group")
    WELFARE = "welfare", _("Welfare group")
    COURSE = "course", _("Course group")
    KOC = "koc", _("KOC group")


class GroupTag(models.Model):
    name = models.CharField(max_length=60, unique=True)

    def __str__(self) -> str:
        return self.name


class GroupChat(models.Model):
    chat_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True, default="")
    owner_userid = models.CharField(max_length=64, blank=True, default="")
    member_count = models.PositiveIntegerField(default=0)
    status = models.PositiveSmallIntegerField(default=0)
    synced_at = models.DateTimeField()
    group_type = models.CharField(
        max_length=20, choices=GroupType.choices, blank=True, default=GroupType.UNSET
    )
    tags = models.ManyToManyField(GroupTag, blank=True, related_name="chats")

    def __str__(self) -> str:
        return self.name or self.chat_id


class MemberType(models.IntegerChoices):
    STAFF = 1, _("Staff")
    EXTERNAL = 2, _("Customer")


class JoinScene(models.IntegerChoices):
    """WeCom's join_scene of groupchat/get."""

    UNKNOWN = 0, _("Unknown")
    INVITED = 1, _("Invited directly")
    LINK = 2, _("Invitation link")
    QR = 3, _("Scanned a group QR code")


class GroupMember(models.Model):
    """One person in one chat, as last seen (a member who left keeps the row, with left_at)."""

    chat = models.ForeignKey(GroupChat, on_delete=models.CASCADE, related_name="members")
    userid = models.CharField(max_length=64)
    member_type = models.PositiveSmallIntegerField(
        choices=MemberType.choices, default=MemberType.EXTERNAL
    )
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="group_members"
    )
    join_scene = models.PositiveSmallIntegerField(
        choices=JoinScene.choices, default=JoinScene.UNKNOWN
    )
    joined_at = models.DateTimeField(null=True, blank=True)
    # The join way's state WeCom reports for members who scanned one of our group codes.
    state = models.CharField(max_length=30, blank=True, default="")
    left_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chat", "userid"], name="group_member_once_per_chat")
        ]
        indexes = [models.Index(fields=["state"], name="group_member_state")]


class ChangeKind(models.TextChoices):
    JOIN = "join", _("Joined")
    QUIT = "quit", _("Left")


class MemberChange(models.Model):
    """Joins and quits as they happened (callbacks), for joins and quits per day."""

    chat = models.ForeignKey(GroupChat, on_delete=models.CASCADE, related_name="changes")
    userid = models.CharField(max_length=64)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="group_changes"
    )
    kind = models.CharField(max_length=8, choices=ChangeKind.choices)
    scene = models.PositiveSmallIntegerField(default=0)
    occurred_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=160, unique=True)

    class Meta:
        indexes = [models.Index(fields=["chat", "occurred_at"], name="group_change_chat_at")]
