"""Privacy requests for HQ: the queue with due dates, one request's answer (export
download, correction, deletion with a confirmation of what goes, withdrawal), and the
personal-information inventory."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from siyu.core.audit import record_audit
from siyu.core.roles import is_hq
from siyu.customers.identity_labels import IDENTITY_LABELS
from siyu.customers.identity_rules import RULES, IdentityInput
from siyu.customers.models import ConsentPurpose, Gender
from siyu.privacy.erase import plan_erasure
from siyu.privacy.inventory import LegalBasis, inventory
from siyu.privacy.models import ExportArchive, PrivacyRequest, RaisedBy, RequestKind, RequestStatus
from siyu.privacy.requests import (
    RequestRefused,
    answer_request,
    find_customer,
    raise_request,
    reject_request,
)

QUEUE = 100
STEP_LABELS = {
    "raised": gettext_lazy("Raised"),
    "exported": gettext_lazy("Copy prepared"),
    "corrected": gettext_lazy("Corrected"),
    "erased": gettext_lazy("Deleted"),
    "withdrawn": gettext_lazy("Consent withdrawn"),
    "rejected": gettext_lazy("Rejected"),
}


class RaiseForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Request"), choices=RequestKind.choices)
    id_type = forms.ChoiceField(
        label=gettext_lazy("Identifier"),
        choices=[(t, IDENTITY_LABELS.get(t, t)) for t in RULES],
    )
    value = forms.CharField(label=gettext_lazy("Value"), max_length=128, strip=True)
    namespace = forms.CharField(
        label=gettext_lazy("Corp id or appid"), max_length=64, required=False, strip=True
    )
    purpose = forms.ChoiceField(
        label=gettext_lazy("Purpose (withdrawal)"),
        choices=[("", "—"), *ConsentPurpose.choices],
        required=False,
    )


class CorrectionForm(forms.Form):
    display_name = forms.CharField(
        label=gettext_lazy("Display name"), max_length=100, required=False
    )
    real_name = forms.CharField(label=gettext_lazy("Real name"), max_length=100, required=False)
    address = forms.CharField(label=gettext_lazy("Address"), max_length=200, required=False)
    region = forms.CharField(label=gettext_lazy("Region"), max_length=100, required=False)
    occupation = forms.CharField(label=gettext_lazy("Occupation"), max_length=100, required=False)
    gender = forms.ChoiceField(label=gettext_lazy("Gender"), choices=Gender.choices)
    birthday = forms.DateField(label=gettext_lazy("Birthday"), required=False)


def _require_hq(request: HttpRequest) -> None:
    if not is_hq(request.user):
        raise PermissionDenied


@login_required
def request_queue(request: HttpRequest) -> HttpResponse:
    _require_hq(request)
    form = RaiseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ident = IdentityInput(data["id_type"], data["value"], data["namespace"])
        customer = find_customer(ident)
        if customer is None:
            form.add_error("value", _("No customer holds this identifier."))
        else:
            try:
                made = raise_request(
                    customer,
                    data["kind"],
                    raised_by=RaisedBy.OPERATOR,
                    actor=request.user,
                    purpose=data["purpose"],
                )
            except RequestRefused as exc:
                form.add_error(None, str(exc))
            else:
                return redirect("console:privacy_request", pk=made.pk)
    rows = list(
        PrivacyRequest.objects.select_related("customer").order_by("status", "due_at")[:QUEUE]
    )
    context = {"form": form, "rows": rows, "now": timezone.now(), "open": RequestStatus.OPEN}
    return render(request, "console/privacy/queue.html", context)


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_hq(request)
    req = get_object_or_404(PrivacyRequest.objects.select_related("customer"), pk=pk)
    context: dict[str, Any] = {
        "req": req,
        "steps": [
            (s, STEP_LABELS.get(s.action, s.action))
            for s in req.steps.select_related("actor").order_by("pk")
        ],
        "archive": req.exports.order_by("-pk").first(),
        "is_open": req.status == RequestStatus.OPEN,
        "now": timezone.now(),
    }
    if req.kind == RequestKind.DELETION and context["is_open"]:
        context["plan"] = plan_erasure(req.customer)
    if req.kind == RequestKind.CORRECTION and context["is_open"]:
        c = req.customer
        initial = {f: getattr(c, f) for f in CorrectionForm.base_fields}
        context["correction"] = CorrectionForm(initial=initial)
    return render(request, "console/privacy/request.html", context)


@login_required
@require_POST
def request_answer(request: HttpRequest, pk: int) -> HttpResponse:
    _require_hq(request)
    req = get_object_or_404(PrivacyRequest, pk=pk)
    fields: dict[str, Any] | None = None
    if req.kind == RequestKind.CORRECTION:
        form = CorrectionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Check the corrected values."))
            return redirect("console:privacy_request", pk=pk)
        fields = form.cleaned_data
    elif req.kind == RequestKind.DELETION and request.POST.get("confirm") != "erase":
        messages.error(request, _("Tick the confirmation to delete."))
        return redirect("console:privacy_request", pk=pk)
    try:
        answer_request(req, actor=request.user, fields=fields)
    except (RequestRefused, ValueError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Request answered."))
    return redirect("console:privacy_request", pk=pk)


@login_required
@require_POST
def request_reject(request: HttpRequest, pk: int) -> HttpResponse:
    _require_hq(request)
    req = get_object_or_404(PrivacyRequest, pk=pk)
    try:
        reject_request(req, actor=request.user, reason=request.POST.get("reason", "")[:200])
    except RequestRefused as exc:
        messages.error(request, str(exc))
    return redirect("console:privacy_request", pk=pk)


@login_required
@require_GET
def archive_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """One click: the archive as JSON, or as a readable page; every download audited."""
    _require_hq(request)
    row = get_object_or_404(ExportArchive, pk=pk)
    if fmt not in {"json", "html"}:
        raise PermissionDenied
    record_audit(
        request.user,
        "privacy.download",
        "customer",
        row.request.customer_id,
        archive=row.pk,
        format=fmt,
    )
    archive = json.loads(row.content)
    name = f"siyu-privacy-{row.request.customer_id}-{row.pk}"
    if fmt == "json":
        body = json.dumps(archive, ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    else:
        body = render_to_string("console/privacy/archive.html", {"archive": archive}, request)
        response = HttpResponse(body, content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
def inventory_page(request: HttpRequest) -> HttpResponse:
    _require_hq(request)
    bases = dict(LegalBasis.choices)
    return render(request, "console/privacy/inventory.html", {"rows": inventory(), "bases": bases})
