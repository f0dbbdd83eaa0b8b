from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.customers.models.profile import Customer


class TagGroup(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)
    sort_order = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class TagKind(models.TextChoices):
    MANUAL = "manual", _("Manual")
    RULE = "rule", _("Automatic (rule)")


class Tag(models.Model):
    group = models.ForeignKey(TagGroup, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(max_length=10, choices=TagKind.choices, default=TagKind.MANUAL)
    # For automatic tags: {"metric": ..., "op": ..., "value": ..., "window_days": ...};
    # see siyu/customers/autotag.py.
    rule = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "name"], name="tag_unique_name")]
        ordering = ["group__sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class TagSource(models.TextChoices):
    MANUAL = "manual", _("Manual")
    RULE = "rule", _("Rule")
    IMPORT = "import", _("Import")
    CHANNEL = "channel", _("Channel")
    WECOM = "wecom", _("WeCom")
    # A journey's tag step: kept by the automatic-tag recompute, which owns only RULE links.
    JOURNEY = "journey", _("Journey")


class CustomerTag(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="customer_links")
    source = models.CharField(max_length=10, choices=TagSource.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "tag"], name="customer_tag_unique")
        ]
        indexes = [models.Index(fields=["tag", "customer"], name="customer_tag_by_tag")]
