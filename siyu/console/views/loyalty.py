"""Loyalty in the console: tiers, earning rules, paid plans and the points mall (create,
publish, pause) and the program report (points issued, used, expired, liability). HQ
edits; every staff member may read. Writes go through ``siyu/loyalty/program.py``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from siyu.analytics.charts import bar_chart
from siyu.core.roles import is_hq
from siyu.loyalty.models import EarningRule, MallItem, PaidPlan, Status, Tier
from siyu.loyalty.program import CONFIG_MODELS, create_config, set_config_status
from siyu.loyalty.queries import program_report
from siyu.loyalty.rules import RuleRefused


class RuleForm(forms.ModelForm[EarningRule]):
    class Meta:
        model = EarningRule
        fields = ["name", "kind", "points", "points_per_yuan", "task_event", "limit_per_day",
                  "limit_per_period", "limit_period", "pending_days", "valid_days"]  # fmt: skip
        labels = {"limit_period": _lazy("limit period")}


class TierForm(forms.ModelForm[Tier]):
    class Meta:
        model = Tier
        fields = ["name", "rank", "threshold", "discount_percent", "points_multiplier",
                  "birthday_multiplier", "free_shipping", "priority_purchase",
                  "exclusive_service"]  # fmt: skip


class PlanForm(forms.ModelForm[PaidPlan]):
    # Money is typed in 元 and kept in fen.
    price_yuan = forms.DecimalField(
        label=_lazy("price (yuan)"), min_value=0, max_value=1_000_000, decimal_places=2
    )

    def save(self, commit: bool = True) -> PaidPlan:
        plan = super().save(commit=False)
        plan.price_fen = int(self.cleaned_data["price_yuan"] * 100)
        if commit:
            plan.save()
        return plan

    class Meta:
        model = PaidPlan
        fields = ["name", "sku", "term_days", "discount_percent",
                  "points_multiplier", "free_shipping", "remind_days"]  # fmt: skip


class ItemForm(forms.ModelForm[MallItem]):
    class Meta:
        model = MallItem
        fields = ["name", "kind", "points_cost", "stock", "per_customer_limit", "coupon_ref"]


FORMS: dict[str, type[forms.ModelForm[Any]]] = {
    "rule": RuleForm, "tier": TierForm, "plan": PlanForm, "item": ItemForm,
}  # fmt: skip


def _chart(report: Any) -> str:
    labels = [_("Issued"), _("Used"), _("Expired"), _("Reversed"), _("Liability")]
    values = [report.issued, report.used, report.expired, report.reversed, report.liability]
    return bar_chart(
        labels, [float(v) for v in values], title=_("Points"), category_label=_("Points"),
        value_label=_("Points (pts)"), empty=_("No points issued yet."),
    )  # fmt: skip


@login_required
def loyalty_page(request: HttpRequest) -> HttpResponse:
    report = program_report()
    context = {
        "section": "loyalty",
        "report": report,
        "chart": _chart(report) if report.issued else _chart_empty(),
        "tiers": Tier.objects.order_by("rank"),
        "rules": EarningRule.objects.order_by("-pk")[:100],
        "plans": PaidPlan.objects.order_by("-pk")[:50],
        "items": MallItem.objects.order_by("-pk")[:100],
        "forms": {kind: form(prefix=kind) for kind, form in FORMS.items()},
        "can_edit": is_hq(request.user),
    }
    return render(request, "console/loyalty/page.html", context)


def _chart_empty() -> str:
    return bar_chart([], [], title=_("Points"), category_label=_("Points"),
                     value_label=_("Points (pts)"), empty=_("No points issued yet."))  # fmt: skip


@login_required
@require_POST
def loyalty_create(request: HttpRequest, kind: str) -> HttpResponse:
    if not is_hq(request.user):
        raise PermissionDenied
    form_class = FORMS.get(kind)
    if form_class is None:
        raise Http404
    form = form_class(request.POST, prefix=kind)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{field}: {' '.join(str(e) for e in errors)}")
        return redirect("console:loyalty")
    try:
        row = create_config(form.save(commit=False))
    except RuleRefused as exc:
        messages.error(request, str(exc))
        return redirect("console:loyalty")
    messages.success(request, _("“%(name)s” is saved as a draft.") % {"name": row.name})
    return redirect("console:loyalty")


@login_required
@require_POST
def loyalty_status(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    if not is_hq(request.user):
        raise PermissionDenied
    model = CONFIG_MODELS.get(kind)
    wanted = request.POST.get("status", "")
    if model is None or wanted not in (Status.ACTIVE, Status.PAUSED):
        raise Http404
    row = get_object_or_404(model, pk=pk)
    try:
        set_config_status(row, Status(wanted))  # type: ignore[arg-type]
    except RuleRefused as exc:
        messages.error(request, str(exc))
        return redirect("console:loyalty")
    done = _("“%(name)s” is published.") if wanted == Status.ACTIVE else _("“%(name)s” is paused.")
    messages.success(request, done % {"name": getattr(row, "name", "")})
    return redirect("console:loyalty")
