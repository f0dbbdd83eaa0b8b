"""Campaigns in the console: the list, a new coupon, publish / pause / end, and each
campaign's report (issued, used, cost, GMV of the orders that used it, lift against the
holdout)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from siyu.analytics.intervals import Interval
from siyu.analytics.lift import EmptyGroup, measure_lift
from siyu.analytics.periods import Period
from siyu.campaigns import queries
from siyu.campaigns.models import Coupon, CouponKind, GroupBuyDeal, Lottery, Stacking
from siyu.campaigns.publish import (
    MODELS,
    MOVES,
    CampaignInvalid,
    CouponSpec,
    create_coupon,
    move_campaign,
)
from siyu.campaigns.sharing import SharingRewardRefused
from siyu.core.params import MAX_YUAN_FEN, BadParameter, parse_yuan
from siyu.core.roles import is_hq

TRIGGERS = [
    ("claim", gettext_lazy("Claimed by the customer")),
    ("purchase", gettext_lazy("After a purchase")),
    ("journey", gettext_lazy("Issued by a journey or mass send")),
    ("share", gettext_lazy("For sharing the campaign")),
]


def _fen(value: str | None, *, required: bool = False) -> int | None:
    try:
        fen = parse_yuan({"v": value}, "v")
    except BadParameter:
        raise forms.ValidationError(_("Type an amount in 元, like 30 or 29.90.")) from None
    if fen is None and required:
        raise forms.ValidationError(_("Type an amount in 元, like 30 or 29.90."))
    if fen is not None and fen > MAX_YUAN_FEN:
        raise forms.ValidationError(_("The amount is too large."))
    return fen


class CouponForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=CouponKind.choices)
    amount = forms.CharField(label=gettext_lazy("Amount off (元)"), max_length=20, required=False)
    percent_off = forms.IntegerField(
        label=gettext_lazy("Percent off"), min_value=0, max_value=99, required=False
    )
    cap = forms.CharField(
        label=gettext_lazy("Largest discount (元)"), max_length=20, required=False
    )
    tiers = forms.CharField(
        label=gettext_lazy("Thresholds (满 元 减 元)"), max_length=200, required=False,
        help_text=gettext_lazy("Like 200-30, 500-100"),
    )  # fmt: skip
    min_spend = forms.CharField(
        label=gettext_lazy("Minimum spend (元)"), max_length=20, required=False
    )
    gift_sku = forms.CharField(label=gettext_lazy("Gift SKU"), max_length=64, required=False)
    stacking = forms.ChoiceField(label=gettext_lazy("Stacking"), choices=Stacking.choices)
    total_limit = forms.IntegerField(
        label=gettext_lazy("Stock"), min_value=1, max_value=10_000_000, required=False
    )
    per_person_limit = forms.IntegerField(
        label=gettext_lazy("Per person"), min_value=1, max_value=100, initial=1
    )
    valid_days = forms.IntegerField(
        label=gettext_lazy("Valid for days"), min_value=1, max_value=3650, required=False
    )
    holdout_percent = forms.IntegerField(
        label=gettext_lazy("Holdout %"), min_value=0, max_value=50, initial=0
    )
    trigger = forms.ChoiceField(label=gettext_lazy("Given"), choices=TRIGGERS)

    def clean_tiers(self) -> tuple[tuple[int, int], ...]:
        text = self.cleaned_data.get("tiers") or ""
        tiers = []
        for part in filter(None, (p.strip() for p in text.replace("，", ",").split(","))):
            threshold, sep, off = part.partition("-")
            if not sep:
                raise forms.ValidationError(_("Write each threshold as 满-减 in 元, like 200-30."))
            tiers.append((_fen(threshold, required=True) or 0, _fen(off, required=True) or 0))
        return tuple(tiers[:10])

    def spec(self) -> CouponSpec:
        data = self.cleaned_data
        return CouponSpec(
            name=data["name"],
            kind=data["kind"],
            amount_fen=_fen(data.get("amount")) or 0,
            percent_off=data.get("percent_off") or 0,
            cap_fen=_fen(data.get("cap")),
            tiers=data["tiers"],
            min_spend_fen=_fen(data.get("min_spend")) or 0,
            gift_sku=data.get("gift_sku") or "",
            stacking=data["stacking"],
            total_limit=data.get("total_limit"),
            per_person_limit=data.get("per_person_limit") or 1,
            valid_days=data.get("valid_days"),
            holdout_percent=data.get("holdout_percent") or 0,
            trigger=data["trigger"],
        )


def _hq(request: HttpRequest) -> None:
    if not is_hq(request.user):
        raise PermissionDenied


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {
        "section": "campaigns",
        "coupons": Coupon.objects.order_by("-pk")[:100],
        "lotteries": Lottery.objects.order_by("-pk")[:50],
        "deals": GroupBuyDeal.objects.order_by("-pk")[:50],
        "can_edit": is_hq(request.user),
    }
    return render(request, "console/campaigns/list.html", context)


@login_required
def coupon_new(request: HttpRequest) -> HttpResponse:
    _hq(request)
    form = CouponForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            coupon = create_coupon(form.spec())
        except (CampaignInvalid, SharingRewardRefused, forms.ValidationError) as exc:
            form.add_error(
                None, str(exc.message if isinstance(exc, forms.ValidationError) else exc)
            )
        else:
            messages.success(
                request, _("Coupon “%(name)s” saved as a draft.") % {"name": coupon.name}
            )
            return redirect("console:coupon_report", pk=coupon.pk)
    return render(
        request, "console/campaigns/coupon_new.html", {"form": form, "section": "campaigns"}
    )


def _yuan(fen: int | None) -> str:
    return "—" if fen is None else f"¥{fen / 100:,.2f}"


@login_required
def coupon_report(request: HttpRequest, pk: int) -> HttpResponse:
    coupon = get_object_or_404(Coupon, pk=pk)
    report = queries.coupon_report(coupon)
    figures = [
        (_("Issued"), f"{report.issued:,}"),
        (_("Used"), f"{report.used:,}"),
        (_("Cost"), _yuan(report.cost_fen)),
        (_("GMV of orders that used it"), _yuan(report.gmv_fen)),
        (_("Held out"), f"{report.holdout:,}"),
        (_("Spend per issued person"), _yuan(report.issued_spend_fen)),
        (_("Spend per held-out person"), _yuan(report.holdout_spend_fen)),
        (_("Lift"), "—" if report.lift is None else f"{report.lift:+.1%}"),
    ]
    context = {
        "coupon": coupon,
        "figures": figures,
        "controlled": controlled_lift(coupon),
        "section": "campaigns",
        "can_edit": is_hq(request.user),
    }
    return render(request, "console/campaigns/coupon_report.html", context)


def _interval_yuan(i: Interval) -> str:
    return f"{_yuan(round(i.estimate))} [{_yuan(round(i.low))}, {_yuan(round(i.high))}]"


def _interval_points(i: Interval) -> str:
    return f"{i.estimate:+.1%} [{i.low:+.1%}, {i.high:+.1%}]"


def controlled_lift(coupon: Coupon) -> dict[str, Any] | None:
    """Issued against held out in one window, with the 95 % intervals analytics computes
    (Welch's for spend per person, Wald for conversion)."""
    window = queries.lift_window(coupon, timezone.now())
    if window is None:
        return None
    out: dict[str, Any] = {"start": window.start, "end": window.end - timedelta(days=1)}
    try:
        lift = measure_lift(window.treated, window.control, Period(window.start, window.end))
    except EmptyGroup as exc:
        out["empty"] = _("Too few people in the %(group)s group to compare (%(n)s).") % {
            "group": _("issued") if exc.group == "treated" else _("held-out"),
            "n": exc.size,
        }
        return out
    out["rows"] = [
        (_("People issued / held out"), f"{lift.treated:,} / {lift.control:,}"),
        (_("Spend per person, issued minus held out"), _interval_yuan(lift.revenue_difference)),
        (_("Bought at all, issued minus held out"), _interval_points(lift.conversion_difference)),
    ]
    out["significant"] = lift.revenue_difference.excludes_zero
    return out


@login_required
def lottery_report(request: HttpRequest, pk: int) -> HttpResponse:
    lottery = get_object_or_404(Lottery, pk=pk)
    prizes = list(lottery.prizes.order_by("pk"))
    odds = {int(o["prize"]): o for o in lottery.published_odds}
    rows = [
        (
            p.name,
            _yuan(p.value_fen),
            odds.get(p.pk, {}).get("probability"),
            p.stock,
            p.awarded,
            p.is_consolation,
        )
        for p in prizes
    ]
    context = {
        "lottery": lottery,
        "rows": rows,
        "section": "campaigns",
        "can_edit": is_hq(request.user),
    }
    return render(request, "console/campaigns/lottery_report.html", context)


@login_required
def deal_report(request: HttpRequest, pk: int) -> HttpResponse:
    deal = get_object_or_404(GroupBuyDeal, pk=pk)
    context = {
        "deal": deal,
        "summary": queries.group_summary(deal),
        "section": "campaigns",
        "can_edit": is_hq(request.user),
    }
    return render(request, "console/campaigns/deal_report.html", context)


REPORTS = {
    "coupon": "console:coupon_report",
    "lottery": "console:lottery_report",
    "deal": "console:deal_report",
}


@login_required
@require_POST
def campaign_move(request: HttpRequest, kind: str, pk: int, action: str) -> HttpResponse:
    _hq(request)
    if kind not in MODELS or action not in MOVES:
        raise Http404
    get_object_or_404(MODELS[kind], pk=pk)
    try:
        move_campaign(kind, pk, action)
    except (CampaignInvalid, ValueError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Done."))
    return redirect(REPORTS[kind], pk=pk)
