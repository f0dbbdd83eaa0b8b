"""The content library (素材库) and its radar (互动雷达): materials with versions, variants,
scope and validity; tracked links, their viewers and opens; what was sent to whom."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.core.models import OrgUnit, Staff
from siyu.customers.models import Customer


class MaterialKind(models.TextChoices):
    SCRIPT = "script", _("Script")
    IMAGE = "image", _("Image")
    VIDEO = "video", _("Video")
    FILE = "file", _("File")
    ARTICLE = "article", _("Article")
    LINK = "link", _("Link")
    MINIPROGRAM = "miniprogram", _("Mini-program card")
    POSTER = "poster", _("Poster")


class Folder(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ContentTag(models.Model):
    name = models.CharField(_("name"), max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Material(models.Model):
    title = models.CharField(_("title"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=MaterialKind.choices)
    folder = models.ForeignKey(
        Folder, null=True, blank=True, on_delete=models.SET_NULL, related_name="materials"
    )
    tags = models.ManyToManyField(ContentTag, blank=True, related_name="materials")
    # Text with the variables {name} {owner} {store} {coupon} (siyu/content/render.py).
    text = models.TextField(_("text"), blank=True, default="")
    # The material's own URL: the only address a tracked link ever redirects to.
    url = models.URLField(_("URL"), max_length=500, blank=True, default="")
    # Key of the image / video / file / cover in the WeCom media cache.
    media_key = models.CharField(max_length=200, blank=True, default="")
    miniprogram_appid = models.CharField(max_length=64, blank=True, default="")
    miniprogram_page = models.CharField(max_length=200, blank=True, default="")
    # Who may use it: empty means everyone (org units include their subtrees).
    org_units = models.ManyToManyField(OrgUnit, blank=True, related_name="+")
    # ",sales,store_manager," (a containment match on both databases); "" = every role.
    roles = models.CharField(max_length=100, blank=True, default="")
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["kind", "-id"], name="material_kind_id")]

    def __str__(self) -> str:
        return self.title


class MaterialVersion(models.Model):
    """What a material said at one version (edits never rewrite history)."""

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    created_by = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["material", "number"], name="material_version_unique")
        ]


class MaterialVariant(models.Model):
    """One wording of a material for an A/B test; the link and card stay the material's."""

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="variants")
    name = models.CharField(_("name"), max_length=60)
    title = models.CharField(_("title"), max_length=100, blank=True, default="")
    text = models.TextField(_("text"), blank=True, default="")
    weight = models.PositiveIntegerField(default=1)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["material", "name"], name="material_variant_unique")
        ]


class ContentSend(models.Model):
    """A material that went to a customer (or a group / a mass task with no one customer)."""

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="sends")
    variant = models.ForeignKey(
        MaterialVariant, null=True, blank=True, on_delete=models.SET_NULL, related_name="sends"
    )
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    send_ref = models.CharField(max_length=120)
    # "c:<customer id>" or "*" (one content to many): with send_ref and material, the key.
    recipient = models.CharField(max_length=40)
    sent_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["send_ref", "material", "recipient"], name="content_send_unique"
            )
        ]
        indexes = [models.Index(fields=["material", "variant"], name="content_send_material")]


class TrackedLink(models.Model):
    code = models.CharField(max_length=16, unique=True)
    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="links")
    variant = models.ForeignKey(
        MaterialVariant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    send_ref = models.CharField(max_length=120)
    # The recipient when the channel carries per-recipient content; None for a mass task.
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    recipient = models.CharField(max_length=40)
    sender = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["send_ref", "material", "recipient"], name="tracked_link_unique"
            )
        ]


class LinkViewer(models.Model):
    """One person reading one tracked link: opens, reading time, whether it was forwarded."""

    link = models.ForeignKey(TrackedLink, on_delete=models.CASCADE, related_name="viewers")
    # "o:<openid>" when WeChat identified the reader, else "b:<browser token>".
    viewer = models.CharField(max_length=80)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opens = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)
    seconds = models.PositiveIntegerField(default=0)
    forwarded = models.BooleanField(default=False)
    first_opened_at = models.DateTimeField()
    last_opened_at = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["link", "viewer"], name="link_viewer_unique")
        ]


class LinkOpen(models.Model):
    """Each open, for attribution (an order after an open within the window)."""

    viewer = models.ForeignKey(LinkViewer, on_delete=models.CASCADE, related_name="open_rows")
    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey(
        MaterialVariant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField()
    # Reading time of this open, from the page's beacon.
    seconds = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["customer", "opened_at"], name="link_open_customer"),
            models.Index(fields=["material", "opened_at"], name="link_open_material"),
        ]
