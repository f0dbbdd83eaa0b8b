"""Where customers come from: channels, their WeCom channel codes, attribution, spend and
welcome messages.

Nothing here knows WeCom's HTTP API; ``seams.py`` names what the channel verbs need and the
WeCom adapter (siyu/integrations/wecom/onboarding.py) provides it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.core.models import OrgUnit, Staff
from siyu.customers.models import Customer, Tag

# WeCom returns `state` in the add event and in externalcontact/get; it refuses longer ones.
STATE_MAX_LENGTH = 30


class ChannelKind(models.TextChoices):
    DOUYIN_VIDEO = "douyin_video", _("Douyin video")
    XIAOHONGSHU_NOTE = "xiaohongshu_note", _("Xiaohongshu note")
    STORE_POSTER = "store_poster", _("Store poster")
    TAOBAO_PARCEL_CARD = "taobao_parcel_card", _("Taobao parcel card")
    AD_CAMPAIGN = "ad_campaign", _("Ad campaign")
    EVENT = "event", _("Event")


class Channel(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=24, choices=ChannelKind.choices)
    org_unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class CodeStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    # Retired codes still exist in WeCom (printed posters keep working, attributed to the
    # old channel) until cleanup deletes them: WeCom caps API-created codes at 500,000.
    RETIRED = "retired", _("Retired")
    DELETED = "deleted", _("Deleted in WeCom")


class ChannelCode(models.Model):
    """One WeCom contact way (渠道活码). ``state`` is what comes back in the add event."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="codes")
    state = models.CharField(max_length=STATE_MAX_LENGTH, unique=True)
    config_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    qr_code = models.URLField(max_length=500, blank=True, default="")
    skip_verify = models.BooleanField(default=True)
    # Adds per staff per local day before rotation takes them off the code (None = no cap).
    daily_cap = models.PositiveIntegerField(null=True, blank=True)
    fallback_staff = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Applied to every customer added through the code, beside the channel's own tag.
    tags = models.ManyToManyField(Tag, blank=True, related_name="+")
    # Sent instead of the channel's weighted pick when set (and active).
    welcome_variant = models.ForeignKey(
        "WelcomeVariant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The userids last pushed to WeCom: rotation only calls update_contact_way on change.
    active_userids = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=CodeStatus.choices, default=CodeStatus.ACTIVE)
    retired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["status", "retired_at"], name="chcode_status_retired")]

    def __str__(self) -> str:
        return self.state


class ChannelCodeStaff(models.Model):
    code = models.ForeignKey(ChannelCode, on_delete=models.CASCADE, related_name="members")
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code", "staff"], name="chcode_staff_unique")
        ]
        ordering = ["position", "id"]


class WelcomeVariant(models.Model):
    """One welcome message a channel can send: text plus the new-customer gift pack card."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="variants")
    name = models.CharField(max_length=60)
    text = models.TextField()
    miniprogram_title = models.CharField(max_length=64, blank=True, default="")
    miniprogram_appid = models.CharField(max_length=64, blank=True, default="")
    miniprogram_page = models.CharField(max_length=200, blank=True, default="")
    # Key of the cover image in the media cache; the adapter uploads it ahead of time.
    miniprogram_cover = models.CharField(max_length=200, blank=True, default="")
    # The card as a library material (what is sent); the inline fields above are the
    # editor's input and the fallback for a variant made before the library existed.
    card = models.ForeignKey(
        "content.Material", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    weight = models.PositiveIntegerField(default=1)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "name"], name="welcome_variant_unique")
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.channel.name}/{self.name}"


class Attribution(models.Model):
    """A customer's first touch: kept forever, later touches only add ``Touch`` rows."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="attribution")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="attributions")
    code = models.ForeignKey(ChannelCode, null=True, on_delete=models.SET_NULL, related_name="+")
    staff = models.ForeignKey(Staff, null=True, on_delete=models.SET_NULL, related_name="+")
    touched_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)


class Touch(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="touches")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="touches")
    code = models.ForeignKey(ChannelCode, null=True, on_delete=models.SET_NULL, related_name="+")
    staff = models.ForeignKey(Staff, null=True, on_delete=models.SET_NULL, related_name="+")
    occurred_at = models.DateTimeField()
    # One add event = one touch, however often it is delivered.
    idempotency_key = models.CharField(max_length=160, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["code", "staff", "occurred_at"], name="touch_code_staff")]


class ChannelSpend(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="spend")
    period_start = models.DateField()
    period_end = models.DateField()
    amount_fen = models.BigIntegerField()
    note = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "period_start", "period_end"], name="chspend_unique_period"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="chspend_period_order",
            ),
        ]


class WelcomeStatus(models.TextChoices):
    PENDING = "pending", _("Sending")
    SENT = "sent", _("Sent")
    # 41051: the customer already chatted or another welcome went out; never retried.
    ALREADY = "already", _("Already welcomed")
    FAILED = "failed", _("Failed")


class WelcomeSend(models.Model):
    """One welcome_code, used at most once (WeCom accepts it once, within 20 s)."""

    welcome_code = models.CharField(max_length=128, unique=True)
    customer = models.ForeignKey(
        Customer, null=True, on_delete=models.SET_NULL, related_name="welcomes"
    )
    channel = models.ForeignKey(Channel, null=True, on_delete=models.SET_NULL, related_name="+")
    variant = models.ForeignKey(
        WelcomeVariant, null=True, on_delete=models.SET_NULL, related_name="sends"
    )
    staff = models.ForeignKey(Staff, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(
        max_length=10, choices=WelcomeStatus.choices, default=WelcomeStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True, default="")
    event_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
