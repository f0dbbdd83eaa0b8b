"""The form of the KOC invitation (bounded: the top N at most 200, a score 0–100; Django's
validation answers bad input with a translated message, never a 500)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from siyu.community.models import GroupCode
from siyu.referrals.koc_group import MAX_INVITED, koc_codes


class KocInviteForm(forms.Form):
    code = forms.ModelChoiceField(label=_("KOC group code"), queryset=GroupCode.objects.none())
    top = forms.IntegerField(
        label=_("Top KOCs"), min_value=1, max_value=MAX_INVITED, required=False, initial=5
    )
    min_score = forms.FloatField(
        label=_("Lowest score"), min_value=0, max_value=100, required=False,
        help_text=_("Leave empty to invite the top KOCs whatever their score."),
    )  # fmt: skip
    text = forms.CharField(
        label=_("Invitation"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared above
        field.queryset = koc_codes()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("top") is None and data.get("min_score") is None:
            raise forms.ValidationError(_("Choose how many KOCs, or the lowest score, to invite."))
        return data
