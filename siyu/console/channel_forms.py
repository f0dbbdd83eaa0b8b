"""Forms of the channel pages: codes, welcome variants, spend. Every message translated;
money typed in 元 and handed on in fen."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from siyu.channels.models import Channel, ChannelKind, WelcomeVariant
from siyu.core.models import Staff
from siyu.core.params import MAX_YUAN_FEN, BadParameter, parse_yuan
from siyu.customers.models import Tag

APPID = re.compile(r"^wx[0-9a-f]{16}$")
COVER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,150}$")
MAX_COVER_BYTES = 2 * 1024 * 1024
MAX_SPEND_CSV_BYTES = 2 * 1024 * 1024
MAX_DAILY_CAP = 10_000


def wecom_staff() -> QuerySet[Staff]:
    return Staff.objects.filter(is_active=True).exclude(wecom_userid="").order_by("display_name")


class StaffChoice(forms.ModelMultipleChoiceField[Staff]):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class OneStaffChoice(forms.ModelChoiceField[Staff]):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class TagChoice(forms.ModelMultipleChoiceField[Tag]):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.group.name} / {obj.name}"


class NewChannelForm(forms.Form):
    name = forms.CharField(label=_("Channel name"), max_length=60, strip=True)
    kind = forms.ChoiceField(label=_("Platform"), choices=ChannelKind.choices)


class CodeForm(forms.Form):
    staff = StaffChoice(
        label=_("Staff (several: scans rotate among them)"),
        queryset=Staff.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one staff member.")},
    )
    daily_cap = forms.IntegerField(
        label=_("Daily cap per staff member"),
        required=False,
        min_value=1,
        max_value=MAX_DAILY_CAP,
        help_text=_("Adds a day before rotation takes someone off the code; empty: no cap."),
    )
    fallback = OneStaffChoice(
        label=_("Fallback when everyone reached the cap"),
        queryset=Staff.objects.none(),
        required=False,
    )
    skip_verify = forms.BooleanField(
        label=_("Add without the staff member confirming"), required=False, initial=True
    )
    tags = TagChoice(
        label=_("Tags to apply"),
        queryset=Tag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    welcome_variant = forms.ModelChoiceField(
        label=_("Welcome message"),
        queryset=WelcomeVariant.objects.none(),
        required=False,
        empty_label=_("The channel's variants, by weight"),
    )

    def __init__(self, *args: Any, channel: Channel | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = wecom_staff()
        self.fields["staff"].queryset = people  # type: ignore[attr-defined]
        self.fields["fallback"].queryset = people  # type: ignore[attr-defined]
        self.fields["tags"].queryset = Tag.objects.select_related("group").order_by(  # type: ignore[attr-defined]
            "group__sort_order", "group__name", "name"
        )
        variants = WelcomeVariant.objects.select_related("channel").filter(is_active=True)
        if channel is not None:
            variants = variants.filter(channel=channel)
        self.fields["welcome_variant"].queryset = variants  # type: ignore[attr-defined]


class NewCodeForm(CodeForm):
    channel = forms.ModelChoiceField(
        label=_("Channel"),
        queryset=Channel.objects.order_by("name"),
        error_messages={"required": _("Choose the channel this code belongs to.")},
    )
    field_order = ["channel", "staff", "daily_cap", "fallback", "skip_verify", "tags"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        variant = data.get("welcome_variant")
        channel = data.get("channel")
        if variant is not None and channel is not None and variant.channel_id != channel.pk:
            self.add_error("welcome_variant", _("This welcome message belongs to another channel."))
        return data


class VariantForm(forms.Form):
    name = forms.CharField(label=_("Variant name"), max_length=60, strip=True)
    text = forms.CharField(
        label=_("Welcome text"), max_length=1500, widget=forms.Textarea(attrs={"rows": 5})
    )
    miniprogram_title = forms.CharField(
        label=_("Card title"), max_length=64, required=False, strip=True
    )
    miniprogram_appid = forms.CharField(
        label=_("Mini-program AppID"), max_length=18, required=False, strip=True
    )
    miniprogram_page = forms.CharField(
        label=_("Mini-program page"), max_length=200, required=False, strip=True
    )
    miniprogram_cover = forms.ChoiceField(label=_("Cover image"), required=False, choices=())
    cover_upload = forms.FileField(
        label=_("Upload a cover (PNG or JPEG, at most 2 MB)"), required=False
    )
    weight = forms.IntegerField(label=_("Weight"), min_value=0, max_value=100, initial=1)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, covers: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("No cover"))] + [(c, c) for c in covers or []]
        self.fields["miniprogram_cover"].choices = choices  # type: ignore[attr-defined]

    def clean_miniprogram_appid(self) -> str:
        appid = str(self.cleaned_data.get("miniprogram_appid") or "")
        if appid and not APPID.match(appid):
            raise forms.ValidationError(_("An AppID is “wx” and 16 hexadecimal characters."))
        return appid

    def clean_cover_upload(self) -> UploadedFile | None:
        upload: UploadedFile | None = self.cleaned_data.get("cover_upload")
        if upload is None:
            return None
        name = str(upload.name or "")
        if not name.lower().endswith((".png", ".jpg", ".jpeg")) or not COVER_NAME.match(name):
            raise forms.ValidationError(
                _("Name the cover like cover-1.png: letters, digits, . _ - and .png or .jpg.")
            )
        if not upload.size or upload.size > MAX_COVER_BYTES:
            raise forms.ValidationError(_("The cover must be an image of at most 2 MB."))
        head = upload.read(8)
        upload.seek(0)
        if not (head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8")):
            raise forms.ValidationError(_("The cover is not a PNG or JPEG image."))
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        card = [data.get(f) for f in ("miniprogram_title", "miniprogram_appid", "miniprogram_page")]
        has_cover = bool(data.get("miniprogram_cover") or data.get("cover_upload"))
        if any(card) or has_cover:
            if not all(card):
                raise forms.ValidationError(
                    _("A mini-program card needs a title, an AppID and a page.")
                )
            if not has_cover:
                raise forms.ValidationError(
                    _("A mini-program card needs a cover image: WeCom sends none without.")
                )
        return data


class SpendForm(forms.Form):
    channel = forms.ModelChoiceField(label=_("Channel"), queryset=Channel.objects.order_by("name"))
    day = forms.DateField(
        label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    amount = forms.CharField(label=_("Amount (元)"), max_length=20)
    note = forms.CharField(label=_("Note"), max_length=200, required=False, strip=True)

    def clean_amount(self) -> int:
        try:
            fen = parse_yuan({"amount": self.cleaned_data.get("amount")}, "amount")
        except BadParameter:
            raise forms.ValidationError(_("Type an amount in 元, like 1200 or 1200.50.")) from None
        if fen is None:
            raise forms.ValidationError(_("Type an amount in 元, like 1200 or 1200.50."))
        if fen > MAX_YUAN_FEN:
            raise forms.ValidationError(_("The amount is too large."))
        return fen


class SpendImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if not upload.size:
            raise forms.ValidationError(_("The file is empty."))
        if upload.size > MAX_SPEND_CSV_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB; split it into parts."))
        return upload
