"""Forms of the community pages (bounded: every field has its limits; Django's form
validation answers bad input with a translated message, never a 500)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from siyu.community.models import GroupCode, Persona, PostKind
from siyu.community.models.codes import SCAN_LIMIT
from siyu.core.models import Staff
from siyu.customers.models import Tag
from siyu.groups.models import GroupChat, GroupType
from siyu.segments.models import Segment

LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class GroupForm(forms.Form):
    group_type = forms.ChoiceField(label=_("Group type"), choices=GroupType.choices, required=False)
    tags = forms.CharField(
        label=_("Group tags"), max_length=300, required=False,
        help_text=_("Separate tags with commas."),
    )  # fmt: skip

    def tag_names(self) -> list[str]:
        raw = str(self.cleaned_data.get("tags") or "").replace("，", ",")
        return [t.strip()[:60] for t in raw.split(",") if t.strip()][:20]


class PostForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=PostKind.choices)
    text = forms.CharField(
        label=_("Text"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    at = forms.DateTimeField(label=_("Post at"), widget=LOCAL, input_formats=["%Y-%m-%dT%H:%M"])


class SlotForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=PostKind.choices)
    text = forms.CharField(
        label=_("Text"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    at_time = forms.TimeField(
        label=_("Time of day"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    chats = forms.ModelMultipleChoiceField(
        label=_("Groups"), queryset=GroupChat.objects.filter(status=0).order_by("name")
    )

    def __init__(self, *args: Any, groups: QuerySet[GroupChat] | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        narrow_chats(self, groups)


def narrow_chats(form: forms.Form, groups: QuerySet[GroupChat] | None) -> None:
    """Offer only the groups the user sees (``groups.scope.visible_groups``)."""
    field = form.fields["chats"]
    assert isinstance(field, forms.ModelMultipleChoiceField)  # noqa: S101 - declared so
    if groups is not None:
        field.queryset = groups.filter(status=0).order_by("name")


class CodeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    chats = forms.ModelMultipleChoiceField(
        label=_("Groups"), queryset=GroupChat.objects.filter(status=0).order_by("name")
    )
    rotate_at = forms.IntegerField(
        label=_("Rotate at members"), min_value=1, max_value=SCAN_LIMIT - 1, initial=190
    )
    auto_create_room = forms.BooleanField(
        label=_("Open a new group when all are full"), required=False, initial=True
    )
    room_base_name = forms.CharField(label=_("New group name"), max_length=40, required=False)
    welcome = forms.CharField(
        label=_("Welcome message"), max_length=1000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip

    def __init__(self, *args: Any, groups: QuerySet[GroupChat] | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        narrow_chats(self, groups)


class CodeInvitationForm(forms.Form):
    """An invitation by mass send carrying a group code: which code, what it says."""

    code = forms.ModelChoiceField(label=_("Group code"), queryset=GroupCode.objects.none())
    text = forms.CharField(
        label=_("Invitation"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self, *args: Any, groups: QuerySet[GroupChat] | None = None, **kwargs: Any
    ) -> None:
        """``groups``: the groups the user may invite to (None: HQ, every code)."""
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared above
        codes = self.codes()
        if groups is not None:
            codes = codes.filter(chats__chat__in=groups).distinct()
        field.queryset = codes

    def codes(self) -> QuerySet[GroupCode]:
        return GroupCode.objects.filter(status="active").exclude(qr_code="")


class InviteForm(CodeInvitationForm):
    tag = forms.ModelChoiceField(
        label=_("Tag"), queryset=Tag.objects.order_by("name"), required=False
    )
    segment = forms.ModelChoiceField(
        label=_("Segment"), queryset=Segment.objects.order_by("name"), required=False
    )
    field_order = ("code", "tag", "segment", "text")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("tag")) == bool(data.get("segment")):
            raise forms.ValidationError(_("Invite either a tag or a segment."))
        return data


class PersonaForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    avatar = forms.URLField(
        label=_("Avatar"), max_length=500, required=False, assume_scheme="https"
    )
    bio = forms.CharField(
        label=_("Bio"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    voice = forms.CharField(
        label=_("Voice guidelines"), max_length=1000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    certifications = forms.CharField(
        label=_("Certifications"), max_length=300, required=False,
        help_text=_("Separate certifications with commas."),
    )  # fmt: skip
    staff = forms.ModelMultipleChoiceField(
        label=_("Operated by"),
        queryset=Staff.objects.filter(is_active=True).order_by("display_name"),
    )

    def certification_list(self) -> list[str]:
        raw = str(self.cleaned_data.get("certifications") or "").replace("，", ",")
        return [c.strip() for c in raw.split(",") if c.strip()]


class MomentForm(forms.Form):
    persona = forms.ModelChoiceField(label=_("Persona"), queryset=Persona.objects.order_by("name"))
    text = forms.CharField(
        label=_("Text"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    at = forms.DateTimeField(label=_("Post at"), widget=LOCAL, input_formats=["%Y-%m-%dT%H:%M"])
