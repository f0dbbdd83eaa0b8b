"""The form of the KOC invitation (bounded: the top N at most 200, a score 0–100; Django's
validation answers bad input with a translated message, never a 500)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from siyu.community.models import GroupCode
from siyu.console.community_forms import CodeInvitationForm
from siyu.referrals.koc_group import MAX_INVITED, koc_codes


class KocInviteForm(CodeInvitationForm):
    top = forms.IntegerField(
        label=_("Top KOCs"), min_value=1, max_value=MAX_INVITED, required=False, initial=5
    )
    min_score = forms.FloatField(
        label=_("Lowest score"), min_value=0, max_value=100, required=False,
        help_text=_("Leave empty to invite the top KOCs whatever their score."),
    )  # fmt: skip
    field_order = ("code", "top", "min_score", "text")

    def codes(self) -> QuerySet[GroupCode]:
        return koc_codes()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("top") is None and data.get("min_score") is None:
            raise forms.ValidationError(_("Choose how many KOCs, or the lowest score, to invite."))
        return data
