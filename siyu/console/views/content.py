"""The content library (素材库): list with folder / tag / kind / search, the editor with
versions, variants, scope and validity. HQ edits; everyone sees what they may use."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from siyu.console.views.channels import require_hq
from siyu.content.library import MaterialError, MaterialInput, save_material, save_variant
from siyu.content.models import ContentTag, Folder, Material, MaterialKind
from siyu.content.scope import usable_materials
from siyu.core.audit import record_audit
from siyu.core.models import OrgUnit, Role
from siyu.core.params import BadParameter, bad_parameter_response, parse_id, parse_text
from siyu.core.roles import current_staff, is_hq

PAGE = 50


class MaterialForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=MaterialKind.choices)
    text = forms.CharField(
        label=gettext_lazy("Text"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    url = forms.URLField(
        label=gettext_lazy("URL"), required=False, max_length=500, assume_scheme="https"
    )
    media_key = forms.CharField(label=gettext_lazy("Media key"), required=False, max_length=200)
    miniprogram_appid = forms.CharField(
        label=gettext_lazy("Mini-program appid"), required=False, max_length=64
    )
    miniprogram_page = forms.CharField(
        label=gettext_lazy("Mini-program page"), required=False, max_length=200
    )
    folder = forms.CharField(label=gettext_lazy("Folder"), required=False, max_length=60)
    tags = forms.CharField(
        label=gettext_lazy("Tags"),
        required=False,
        max_length=400,
        help_text=gettext_lazy("Separated by commas"),
    )
    org_units = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Org units (empty: all)"),
        queryset=OrgUnit.objects.all(),
        required=False,
    )
    roles = forms.MultipleChoiceField(
        label=gettext_lazy("Roles (empty: all)"), choices=Role.choices, required=False
    )
    valid_from = forms.DateTimeField(
        label=gettext_lazy("Valid from"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    valid_until = forms.DateTimeField(
        label=gettext_lazy("Valid until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False)


class VariantForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Variant"), max_length=60)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=100, required=False)
    text = forms.CharField(
        label=gettext_lazy("Text"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    weight = forms.IntegerField(label=gettext_lazy("Weight"), min_value=0, max_value=1000)


def _filtered(request: HttpRequest) -> tuple[QuerySet[Material], dict[str, Any]]:
    staff = current_staff(request.user)
    qs = Material.objects.all() if is_hq(request.user) or staff is None else usable_materials(staff)
    folder = parse_id(request.GET, "folder")
    tag = parse_id(request.GET, "tag")
    kind = parse_text(request.GET, "kind", max_length=20)
    q = parse_text(request.GET, "q", max_length=100)
    if folder:
        qs = qs.filter(folder_id=folder)
    if tag:
        qs = qs.filter(tags=tag)
    if kind in MaterialKind.values:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(text__icontains=q) | Q(tags__name=q))
    filters = {"folder": folder, "tag": tag, "kind": kind, "q": q}
    return qs.distinct(), filters


@login_required
def material_list(request: HttpRequest) -> HttpResponse:
    try:
        qs, filters = _filtered(request)
    except BadParameter as exc:
        return bad_parameter_response(exc)
    materials = list(qs.select_related("folder").prefetch_related("tags").order_by("-id")[:PAGE])
    context = {
        "materials": materials,
        "filters": filters,
        "folders": Folder.objects.all(),
        "tags": ContentTag.objects.all(),
        "kinds": MaterialKind.choices,
        "can_edit": is_hq(request.user),
        "section": "content",
    }
    return render(request, "console/content/list.html", context)


def _input(data: dict[str, Any]) -> MaterialInput:
    tags = tuple(t.strip()[:40] for t in (data.get("tags") or "").split(",") if t.strip())
    return MaterialInput(
        title=data["title"],
        kind=data["kind"],
        text=data.get("text") or "",
        url=data.get("url") or "",
        media_key=data.get("media_key") or "",
        miniprogram_appid=data.get("miniprogram_appid") or "",
        miniprogram_page=data.get("miniprogram_page") or "",
        folder=data.get("folder") or "",
        tags=tags,
        org_unit_ids=tuple(u.pk for u in data.get("org_units") or ()),
        roles=tuple(data.get("roles") or ()),
        valid_from=data.get("valid_from"),
        valid_until=data.get("valid_until"),
        is_active=bool(data.get("is_active")),
    )


def _initial(material: Material | None) -> dict[str, Any]:
    if material is None:
        return {"kind": MaterialKind.ARTICLE, "is_active": True}
    fields = [f for f in MaterialForm.base_fields if f not in ("tags", "org_units", "roles")]
    initial = {f: getattr(material, f) for f in fields}
    initial["folder"] = material.folder.name if material.folder else ""
    initial["tags"] = ", ".join(t.name for t in material.tags.all())
    initial["org_units"] = list(material.org_units.all())
    initial["roles"] = [r for r in material.roles.split(",") if r]
    return initial


def _editor(request: HttpRequest, material: Material | None) -> HttpResponse:
    require_hq(request)
    form = MaterialForm(request.POST or None, initial=_initial(material))
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_material(
                _input(form.cleaned_data), material=material, by=current_staff(request.user)
            )
        except MaterialError as exc:
            form.add_error(None, _("This material cannot be saved: %(why)s") % {"why": exc})
        else:
            record_audit(request.user, "material.save", "material", saved.pk)
            messages.success(request, _("Material “%(title)s” saved.") % {"title": saved.title})
            return redirect("console:material_edit", pk=saved.pk)
    context = {
        "form": form,
        "material": material,
        "versions": material.versions.all()[:20] if material else [],
        "variants": material.variants.all() if material else [],
        "variant_form": VariantForm(initial={"weight": 1}),
        "section": "content",
    }
    return render(request, "console/content/edit.html", context)


@login_required
def material_new(request: HttpRequest) -> HttpResponse:
    return _editor(request, None)


@login_required
def material_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _editor(request, get_object_or_404(Material, pk=pk))


@login_required
@require_POST
def material_variant(request: HttpRequest, pk: int) -> HttpResponse:
    require_hq(request)
    material = get_object_or_404(Material, pk=pk)
    form = VariantForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        save_variant(
            material,
            name=data["name"],
            title=data.get("title") or "",
            text=data.get("text") or "",
            weight=data["weight"],
        )
        record_audit(request.user, "material.variant", "material", material.pk)
        messages.success(request, _("Variant saved."))
    else:
        messages.error(request, _("The variant needs a name and a weight from 0 to 1000."))
    return redirect("console:material_edit", pk=material.pk)
