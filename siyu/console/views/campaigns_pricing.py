"""Price rules in the console: limited-time and early-bird prices, add-ons above a
threshold (加价购) and scene bundles, which checkout applies before coupons. Times are
typed and shown in the brand's zone; money in 元."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from siyu.campaigns.models import Bundle, PriceWindow, WindowKind
from siyu.campaigns.price_rules import (
    PriceRuleInvalid,
    add_bundle,
    add_price_window,
    remove_bundle,
    remove_price_window,
)
from siyu.console.views.campaigns import _fen, _hq
from siyu.core.roles import is_hq

WHEN = {"type": "datetime-local"}


class WindowForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=WindowKind.choices)
    sku = forms.CharField(label=gettext_lazy("SKU"), max_length=64)
    price = forms.CharField(label=gettext_lazy("Price (元)"), max_length=20)
    threshold = forms.CharField(
        label=gettext_lazy("Rest of the cart at least (元), for an add-on"),
        max_length=20,
        required=False,
    )
    starts_at = forms.DateTimeField(label=gettext_lazy("From"), widget=forms.DateTimeInput(WHEN))
    ends_at = forms.DateTimeField(label=gettext_lazy("Until"), widget=forms.DateTimeInput(WHEN))

    def clean_price(self) -> int:
        return _fen(self.cleaned_data.get("price"), required=True) or 0

    def clean_threshold(self) -> int:
        return _fen(self.cleaned_data.get("threshold")) or 0


class BundleForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    skus = forms.CharField(
        label=gettext_lazy("SKUs"), max_length=600, help_text=gettext_lazy("Comma separated")
    )
    price = forms.CharField(label=gettext_lazy("Bundle price (元)"), max_length=20)
    starts_at = forms.DateTimeField(
        label=gettext_lazy("From"), required=False, widget=forms.DateTimeInput(WHEN)
    )
    ends_at = forms.DateTimeField(
        label=gettext_lazy("Until"), required=False, widget=forms.DateTimeInput(WHEN)
    )

    def clean_price(self) -> int:
        return _fen(self.cleaned_data.get("price"), required=True) or 0


def _save(request: HttpRequest, window: WindowForm, bundle: BundleForm) -> bool:
    action = request.POST.get("action", "")
    if action == "remove_window" and str(request.POST.get("pk", "")).isdigit():
        return remove_price_window(int(request.POST["pk"]))
    if action == "remove_bundle" and str(request.POST.get("pk", "")).isdigit():
        return remove_bundle(int(request.POST["pk"]))
    form: forms.Form = window if action == "window" else bundle
    if action not in ("window", "bundle") or not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        if action == "window":
            add_price_window(data["kind"], data["sku"], data["price"], data["starts_at"],
                             data["ends_at"], threshold_fen=data["threshold"])  # fmt: skip
        else:
            skus = data["skus"].replace("，", ",").split(",")
            add_bundle(data["name"], skus, data["price"], data["starts_at"], data["ends_at"])
    except PriceRuleInvalid as exc:
        form.add_error(None, str(exc))
        return False
    return True


@login_required
def price_rules(request: HttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    action = request.POST.get("action", "") if posted else ""
    window = WindowForm(request.POST if action == "window" else None, prefix="w")
    bundle = BundleForm(request.POST if action == "bundle" else None, prefix="b")
    if posted:
        _hq(request)
        if _save(request, window, bundle):
            messages.success(request, _("Saved."))
            return redirect("console:price_rules")
    now = timezone.now()
    context: dict[str, Any] = {
        "section": "campaigns",
        "windows": PriceWindow.objects.filter(ends_at__gt=now).order_by("starts_at", "pk")[:200],
        "bundles": Bundle.objects.order_by("-pk")[:100],
        "window_form": window,
        "bundle_form": bundle,
        "can_edit": is_hq(request.user),
    }
    return render(request, "console/campaigns/price_rules.html", context)
