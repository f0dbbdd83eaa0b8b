"""Inviting the top KOCs into a KOC group, from the referrals' KOC list: a preview of who
is invited (and what messaging's policy would decide for each), the send, and a result
page with each KOC's send and join and the KOC group's own SOP. HQ and store managers
invite; sales staff may look."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from siyu.community.codes import GroupCodeError
from siyu.community.joins import INVITE_SOURCE
from siyu.community.models import GroupInvite, SopSlot
from siyu.console.referral_forms import KocInviteForm
from siyu.console.views.community import require_operator
from siyu.core.audit import record_audit
from siyu.core.roles import is_hq
from siyu.groups.models import GroupChat
from siyu.groups.scope import visible_groups
from siyu.messaging.models import Channel, Reason, Send
from siyu.messaging.send import Message, SendRequest, preview
from siyu.referrals.koc_group import invite_kocs, koc_chats, pick_kocs
from siyu.referrals.scope import ReferralScope, referral_scope


def _reason_label(reason: str) -> str:
    return str(Reason(reason).label) if reason in Reason.values else reason


def _preview(form: KocInviteForm, scope: ReferralScope | None) -> dict[str, object]:
    data = form.cleaned_data
    kocs = pick_kocs(top=data.get("top"), min_score=data.get("min_score"), scope=scope)
    decided = preview(
        SendRequest(
            source=INVITE_SOURCE, source_id="preview", channel=Channel.WECOM_CUSTOMER,
            message=Message(text=data["text"]), customers=[k.customer_id for k in kocs],
        )
    )  # fmt: skip
    blocked = {
        _reason_label(k.removeprefix("blocked:")): n
        for k, n in decided.counts.items()
        if n and k.startswith("blocked:")
    }
    return {
        "kocs": kocs,
        "reached": decided.reached,
        "counts": blocked,
        "chats": koc_chats(data["code"]),
    }


def _groups(request: HttpRequest) -> QuerySet[GroupChat] | None:
    """The groups whose codes the user may send: a store manager his store's KOC groups."""
    return None if is_hq(request.user) else visible_groups(request.user)


@login_required
def koc_invite(request: HttpRequest) -> HttpResponse:
    """GET: the form, with a preview once it is filled in; POST: send the invitation."""
    if request.method == "POST":
        return _send(request)
    bound = bool(request.GET)
    form = KocInviteForm(request.GET if bound else None, groups=_groups(request))
    context: dict[str, object] = {"section": "referrals", "form": form}
    if bound and form.is_valid():
        context |= _preview(form, referral_scope(request.user))
    status = 400 if bound and not form.is_valid() else 200
    return render(request, "console/referrals/koc_invite.html", context, status=status)


def _send(request: HttpRequest) -> HttpResponse:
    require_operator(request)
    form = KocInviteForm(request.POST, groups=_groups(request))
    if not form.is_valid():
        context = {"section": "referrals", "form": form}
        return render(request, "console/referrals/koc_invite.html", context, status=400)
    data = form.cleaned_data
    try:
        done = invite_kocs(
            data["code"], data["text"], top=data.get("top"), min_score=data.get("min_score"),
            created_by_id=request.user.pk, scope=referral_scope(request.user),
        )  # fmt: skip
    except GroupCodeError as exc:
        messages.error(request, str(exc))
        return redirect("console:referral_koc_invite")
    record_audit(request.user, "koc.invite", "group_invite", done.invite.pk)
    messages.success(request, _("Invitation planned for %(n)d KOCs.") % {"n": done.outcome.reached})
    return redirect("console:referral_koc_result", pk=done.invite.pk)


@login_required
def koc_result(request: HttpRequest, pk: int) -> HttpResponse:
    invites = GroupInvite.objects.select_related("code")
    if not is_hq(request.user):  # a store's own KOC groups' invitations
        invites = invites.filter(code__chats__chat__in=visible_groups(request.user)).distinct()
    invite = get_object_or_404(invites, pk=pk)
    joined = set(invite.joins.values_list("customer_id", flat=True))
    sends = (
        Send.objects.filter(source=INVITE_SOURCE, source_id=invite.source_id)
        .select_related("customer")
        .order_by("customer__display_name", "pk")[:200]
    )
    chats = koc_chats(invite.code)
    context = {
        "section": "referrals",
        "invite": invite,
        "rows": [(s, s.customer_id in joined) for s in sends],
        "joined": len(joined),
        "chats": chats,
        "slots": SopSlot.objects.filter(chats__in=chats, active=True)
        .distinct()
        .order_by("at_time", "pk"),
    }
    return render(request, "console/referrals/koc_result.html", context)
