"""The group SOP calendar: recurring slots, the posts they plan, the posts-per-day
ceiling, and group check-ins."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.customers.models import Customer
from siyu.groups.models import GroupChat


class PostKind(models.TextChoices):
    DAILY_DEAL = "daily_deal", _("Daily deal")
    TOPIC = "topic", _("Topic of the day")
    SESSION = "session", _("Sharing session")
    LECTURE = "lecture", _("Lecture")
    TRIAL = "trial", _("Trial sign-up")
    LUCKY_DRAW = "lucky_draw", _("Timed lucky draw")
    OFFER = "offer", _("Group-only offer")
    BRIEF = "brief", _("Content brief")


class PostStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    OVER_CEILING = "over_ceiling", _("Over the posts-per-day ceiling")


class CommunitySettings(models.Model):
    posts_per_day = models.PositiveSmallIntegerField(_("posts per group per day"), default=3)
    # Quits within 24 h of a post, as ‰ of the members, above which a post warns.
    quit_spike_permille = models.PositiveSmallIntegerField(default=20)

    @classmethod
    def current(cls) -> CommunitySettings:
        return cls.objects.order_by("pk").first() or cls()


class SopSlot(models.Model):
    """A post that recurs: e.g. the daily deal at 10:00 and 17:00 in the store groups."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=PostKind.choices)
    text = models.TextField(_("text"))
    at_time = models.TimeField(_("time of day"))
    # ISO weekdays (1 = Monday); empty: every day.
    weekdays = models.JSONField(default=list, blank=True)
    # Days of the month (1–28, so every month has them); empty: any day. A monthly
    # sharing session is a slot with one month day.
    month_days = models.JSONField(default=list, blank=True)
    chats = models.ManyToManyField(GroupChat, related_name="sop_slots")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name

    @property
    def repeats(self) -> str:
        """When the slot recurs, in words (the weekdays as ISO numbers, 1 = Monday)."""
        if self.month_days:
            days = "、".join(str(d) for d in self.month_days)
            return str(_("Monthly, on day %(days)s") % {"days": days})
        if self.weekdays:
            days = "、".join(str(d) for d in self.weekdays)
            return str(_("Weekly, on weekday %(days)s") % {"days": days})
        return str(_("Every day"))


class GroupPost(models.Model):
    """One post in one group on one day; posts planned together share a batch (one send)."""

    batch = models.CharField(max_length=64)
    slot = models.ForeignKey(SopSlot, null=True, blank=True, on_delete=models.SET_NULL)
    chat = models.ForeignKey(GroupChat, on_delete=models.CASCADE, related_name="posts")
    kind = models.CharField(max_length=20, choices=PostKind.choices)
    text = models.TextField()
    scheduled_at = models.DateTimeField()
    local_day = models.DateField()
    status = models.CharField(max_length=20, choices=PostStatus.choices)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["batch", "chat"], name="group_post_once_per_batch"),
        ]
        indexes = [models.Index(fields=["chat", "local_day"], name="group_post_chat_day")]


class GroupCheckIn(models.Model):
    """群打卡: a member's check-in for one group and day (the streak is loyalty's)."""

    chat = models.ForeignKey(GroupChat, on_delete=models.CASCADE, related_name="check_ins")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="group_check_ins")
    day = models.DateField()
    streak = models.PositiveIntegerField(default=1)
    points = models.IntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "chat", "day"], name="group_check_in_once_a_day"
            ),
        ]
