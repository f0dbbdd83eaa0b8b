"""任务宝 gifts in the console: who unlocked a programme's gift, how it reached them, and
the hand-over of physical gifts (HQ and store managers, for the inviters they reach)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from siyu.console.views.community import require_operator
from siyu.core.audit import record_audit
from siyu.core.roles import current_staff
from siyu.referrals.gifts import GiftError, hand_over
from siyu.referrals.models import Programme, TaskGift
from siyu.referrals.scope import referral_scope

SHOWN = 100


class HandOverForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note (tracking number, store)"), max_length=200, required=False,
        widget=forms.TextInput(attrs={
            "placeholder": gettext_lazy("Note (tracking number, store)"),
            "aria-label": gettext_lazy("Note (tracking number, store)"),
        }),
    )  # fmt: skip


def gifts_of(request: HttpRequest, programme: Programme) -> QuerySet[TaskGift]:
    gifts = TaskGift.objects.filter(programme=programme)
    scope = referral_scope(request.user)
    if scope is not None:
        gifts = gifts.filter(customer__in=scope.customers)
    return gifts


def gift_rows(request: HttpRequest, programme: Programme) -> list[TaskGift]:
    gifts = gifts_of(request, programme).select_related("customer", "fulfilled_by")
    return list(gifts.order_by("status", "-created_at", "-pk")[:SHOWN])


@login_required
@require_POST
def gift_hand_over(request: HttpRequest, pk: int) -> HttpResponse:
    require_operator(request)
    gift = get_object_or_404(TaskGift.objects.select_related("programme"), pk=pk)
    get_object_or_404(gifts_of(request, gift.programme), pk=pk)  # a gift the user reaches
    form = HandOverForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors.get("note", [])))
        return redirect("console:referral_programme", pk=gift.programme_id)
    staff = current_staff(request.user)
    try:
        hand_over(
            gift.pk, staff_id=staff.pk if staff else None,
            note=form.cleaned_data.get("note") or "", at=timezone.now(),
        )  # fmt: skip
    except GiftError as exc:
        messages.error(request, str(exc))
    else:
        record_audit(request.user, "referral_gift.hand_over", "task_gift", gift.pk)
        messages.success(request, _("Gift marked as handed over."))
    return redirect("console:referral_programme", pk=gift.programme_id)
