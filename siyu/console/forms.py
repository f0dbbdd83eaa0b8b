from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from siyu.console.queries import CustomerFilter
from siyu.imports.models import ImportKind

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class CustomerFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=128, strip=True)
    tag = forms.IntegerField(label=_("Tag"), required=False, min_value=1)
    owner = forms.IntegerField(label=_("Owner"), required=False, min_value=1)
    before = forms.IntegerField(required=False, min_value=1)

    def to_filter(self) -> CustomerFilter:
        data: dict[str, Any] = self.cleaned_data if self.is_valid() else {}
        return CustomerFilter(
            q=data.get("q") or "",
            tag_id=data.get("tag"),
            owner_id=data.get("owner"),
            before=data.get("before"),
        )


class AddTagForm(forms.Form):
    tag = forms.IntegerField(min_value=1)


class CreateTagForm(forms.Form):
    group = forms.CharField(label=_("Tag group"), max_length=60, strip=True)
    name = forms.CharField(label=_("Tag name"), max_length=60, strip=True)


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file contains"), choices=ImportKind.choices)
    file = forms.FileField(label=_("CSV file"))
    skip_invalid = forms.BooleanField(
        label=_("Skip invalid rows and import the rest"),
        required=False,
        help_text=_("Without this, a file with any invalid row imports nothing."),
    )
    update_existing = forms.BooleanField(
        label=_("Correct orders stored with other content"),
        required=False,
        help_text=_(
            "Without this, an order already stored with other amounts, lines or refunds is "
            "reported and left as it is. With it, the stored order is corrected and the "
            "correction is recorded in the audit log."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB; split it into parts."))
        return upload
