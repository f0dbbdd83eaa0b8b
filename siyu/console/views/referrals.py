"""Referrals in the console: every programme's K-factor, cost per referred customer and
reward ROI (tune the invite reward by what it returns), referred against non-referred
repurchase, the KOC list; a programme's funnel and referral tree; the review queue. Each
counts the referrals the user's role reaches (``referrals.scope``): HQ the brand, a store
manager his store's customers' referrals, a sales rep her own customers'."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from siyu.analytics.charts import bar_chart
from siyu.analytics.tables import yuan
from siyu.console.views.referral_gifts import HandOverForm, gift_rows
from siyu.core.roles import current_staff, is_hq
from siyu.referrals import stats
from siyu.referrals.abuse import REASONS
from siyu.referrals.koc_group import pick_kocs
from siyu.referrals.models import Programme, ReviewCase
from siyu.referrals.review import CaseClosed, decide_case, open_cases
from siyu.referrals.scope import ReferralScope, referral_scope


def _cases(scope: ReferralScope | None) -> list[int]:
    cases = [c.pk for c in open_cases()]
    if scope is None:
        return cases
    return list(
        ReviewCase.objects.filter(pk__in=cases, referral__in=scope.referrals).values_list(
            "pk", flat=True
        )
    )


@login_required
def referral_list(request: HttpRequest) -> HttpResponse:
    scope = referral_scope(request.user)
    reports = [stats.report(p, scope) for p in Programme.objects.order_by("pk")]
    with_roi = [r for r in reports if r.roi is not None]
    chart = bar_chart(
        [r.programme.name for r in with_roi],
        [float(r.roi or 0) * 100 for r in with_roi],
        title=_("Reward ROI per programme"),
        category_label=_("Programme"),
        value_label=_("ROI (%)"),
        empty=_("No programme has paid a reward yet."),
    )
    referred, others = stats.repurchase_rates(scope)
    context = {
        "section": "referrals",
        "reports": [(r, yuan(r.cost_per_referred_fen), yuan(r.referred_gmv_fen)) for r in reports],
        "chart": chart,
        "referred_repurchase": referred,
        "other_repurchase": others,
        "kocs": [(k, yuan(k.referred_gmv_fen)) for k in pick_kocs(top=10, scope=scope)],
        "open_cases": len(_cases(scope)),
    }
    return render(request, "console/referrals/list.html", context)


@login_required
def referral_programme(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(Programme, pk=pk)
    scope = referral_scope(request.user)
    report = stats.report(programme, scope)
    funnel = [
        (_("Invited"), report.invited),
        (_("Qualified"), report.qualified),
        (_("Bought"), report.bought),
    ]
    chart = bar_chart(
        [label for label, _n in funnel],
        [float(n) for _label, n in funnel],
        title=_("Referral funnel"),
        category_label=_("Step"),
        value_label=_("Customers"),
        empty=_("Nobody has been invited yet."),
    )
    context = {
        "section": "referrals",
        "programme": programme,
        "report": report,
        "cost": yuan(report.cost_fen),
        "cost_per": yuan(report.cost_per_referred_fen),
        "gmv": yuan(report.referred_gmv_fen),
        "chart": chart,
        "tree": stats.tree(programme, scope=scope),
        "gifts_left": max(programme.gift_stock - programme.gift_given, 0),
        "gifts": gift_rows(request, programme) if programme.kind == "task" else [],
        "hand_over_form": HandOverForm(auto_id=False),  # one per row: no shared id
    }
    return render(request, "console/referrals/programme.html", context)


@login_required
def referral_review(request: HttpRequest) -> HttpResponse:
    cases = [
        (case, [str(REASONS.get(r, r)) for r in case.reasons])
        for case in ReviewCase.objects.filter(pk__in=_cases(referral_scope(request.user)))
        .select_related("referral__programme")
        .order_by("created_at", "pk")[:200]
    ]
    context = {"section": "referrals", "cases": cases, "can_decide": is_hq(request.user)}
    return render(request, "console/referrals/review.html", context)


@login_required
@require_POST
def referral_decide(request: HttpRequest, pk: int) -> HttpResponse:
    if not is_hq(request.user):
        raise PermissionDenied
    case = get_object_or_404(ReviewCase, pk=pk)
    approve = request.POST.get("decision") == "approve"
    staff = current_staff(request.user)
    try:
        decide_case(case.pk, approve=approve, staff_id=staff.pk if staff else None)
    except CaseClosed:
        messages.error(request, _("This case was already decided."))
    else:
        messages.success(request, _("Approved.") if approve else _("Rejected."))
    return redirect("console:referral_review")
