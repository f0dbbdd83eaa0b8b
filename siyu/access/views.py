"""The console page where API keys are managed: every key, its scopes, budget and last use;
admins create a key (its raw value shown once, on the answer to that request, never stored
or shown again) and revoke one. ``manage.py api_key`` does the same from a terminal."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from siyu.access.keys import create_api_key, revoke_api_key
from siyu.access.models import DEFAULT_RATE_PER_MINUTE, ApiKey, Scope
from siyu.core.audit import record_audit
from siyu.core.models import Role, Staff
from siyu.core.params import BadParameter, bad_parameter_response, parse_id


class NewKeyForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name (the integration that will use it)"), max_length=60, strip=True
    )
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Scopes"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one scope.")},
    )
    rate_per_minute = forms.IntegerField(
        label=gettext_lazy("Requests per minute"),
        min_value=1,
        max_value=1_000_000,
        initial=DEFAULT_RATE_PER_MINUTE,
    )

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"])
        if ApiKey.objects.filter(name=name).exists():
            raise forms.ValidationError(gettext_lazy("A key with this name already exists."))
        return name


def _require_admin(request: HttpRequest) -> None:
    staff = Staff.objects.filter(user_id=request.user.pk or 0, is_active=True).first()
    if staff is None or staff.role != Role.ADMIN:
        raise PermissionDenied


def _page(request: HttpRequest, form: NewKeyForm, **extra: Any) -> HttpResponse:
    keys = ApiKey.objects.order_by("revoked_at", "name")
    context = {"keys": keys, "scopes": Scope.choices, "form": form, **extra}
    response = render(request, "access/keys.html", context, status=400 if form.errors else 200)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def key_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = NewKeyForm(request.POST or None, initial={"rate_per_minute": DEFAULT_RATE_PER_MINUTE})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                key, raw_key = create_api_key(
                    data["name"], data["scopes"], rate_per_minute=data["rate_per_minute"]
                )
                record_audit(request.user, "api_key.create", "api_key", key.pk, scopes=key.scopes)
        except ValueError:
            form.add_error("name", _("A key with this name already exists."))
        else:
            return _page(request, NewKeyForm(), created=key, raw_key=raw_key)
    return _page(request, form)


@login_required
@require_POST
def key_revoke(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    try:
        pk = parse_id(request.POST, "key")
    except BadParameter as exc:
        return bad_parameter_response(exc)
    key = ApiKey.objects.filter(pk=pk or 0).first()
    if key is None:
        messages.error(request, _("No such API key."))
        return redirect("access:keys")
    with transaction.atomic():
        revoke_api_key(key.name)
        record_audit(request.user, "api_key.revoke", "api_key", key.pk)
    messages.success(request, _("API key “%(name)s” is revoked.") % {"name": key.name})
    return redirect("access:keys")
