"""Group codes (群活码) with their joins and invites (标签建群), and personas (人设) with
their moments, completion per staff and performance."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from siyu.analytics.tables import yuan
from siyu.community.codes import GroupCodeError, create_group_code
from siyu.community.invites import invite_to_group
from siyu.community.models import CodeStatus, GroupCode, GroupInvite, Persona
from siyu.community.personas import PersonaError, completion, performance, plan_moment, save_persona
from siyu.console.community_forms import CodeForm, InviteForm, MomentForm, PersonaForm
from siyu.console.views.community import require_operator
from siyu.core.audit import record_audit
from siyu.core.roles import is_hq
from siyu.customers.scope import visible_customers
from siyu.groups.scope import visible_groups
from siyu.integrations.wecom.client.errors import LocalRateLimited, WeComError
from siyu.integrations.wecom.group_members import WeComJoinWayGateway
from siyu.integrations.wecom.transport import wecom_client
from siyu.messaging.send import Message

UNREACHED = (WeComError, LocalRateLimited, httpx.HTTPError, ImproperlyConfigured)


@contextmanager
def join_way_gateway() -> Iterator[WeComJoinWayGateway]:
    client = wecom_client()
    try:
        yield WeComJoinWayGateway(client)
    finally:
        client.close()


@login_required
def code_list(request: HttpRequest) -> HttpResponse:
    groups = visible_groups(request.user)
    mine = GroupCode.objects.all() if is_hq(request.user) else GroupCode.objects.filter(
        chats__chat__in=groups
    ).distinct()  # fmt: skip
    codes = (
        mine.exclude(status=CodeStatus.DELETED)
        .annotate(join_count=Count("joins", distinct=True))
        .prefetch_related("chats__chat")
        .order_by("-pk")[:100]
    )
    invites = (
        GroupInvite.objects.filter(code__in=mine.values("pk"))
        .select_related("code", "tag", "segment")
        .annotate(join_count=Count("joins"))
        .order_by("-pk")[:50]
    )
    context = {
        "section": "community",
        "codes": codes,
        "invites": invites,
        "code_form": CodeForm(groups=groups),
        "invite_form": InviteForm(groups=None if is_hq(request.user) else groups),
    }
    return render(request, "console/community/codes.html", context)


@login_required
@require_POST
def code_new(request: HttpRequest) -> HttpResponse:
    require_operator(request)
    form = CodeForm(request.POST, groups=visible_groups(request.user))
    if not form.is_valid():
        messages.error(request, _("The group code was not saved: check every field."))
        return redirect("console:community_codes")
    data = form.cleaned_data
    welcome = Message(text=data["welcome"]) if data.get("welcome") else None
    try:
        with join_way_gateway() as gateway:
            code = create_group_code(
                data["name"], list(data["chats"]), gateway=gateway,
                auto_create_room=bool(data["auto_create_room"]),
                room_base_name=data.get("room_base_name") or "", rotate_at=data["rotate_at"],
                welcome=welcome,
            )  # fmt: skip
    except GroupCodeError as exc:
        messages.error(request, str(exc))
        return redirect("console:community_codes")
    except UNREACHED as exc:
        messages.error(request, _("WeCom did not accept the code: %(error)s") % {"error": exc})
        return redirect("console:community_codes")
    record_audit(request.user, "group_code.create", "group_code", code.pk)
    messages.success(request, _("Group code saved."))
    return redirect("console:community_codes")


@login_required
@require_POST
def invite_new(request: HttpRequest) -> HttpResponse:
    require_operator(request)
    hq = is_hq(request.user)
    form = InviteForm(request.POST, groups=None if hq else visible_groups(request.user))
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.non_field_errors()) or _(
            "The invitation was not sent: check every field."))  # fmt: skip
        return redirect("console:community_codes")
    data = form.cleaned_data
    try:
        _invite, outcome = invite_to_group(
            data["code"], data["text"], tag=data.get("tag"), segment=data.get("segment"),
            created_by_id=request.user.pk, within=None if hq else visible_customers(request.user),
        )  # fmt: skip
    except GroupCodeError as exc:
        messages.error(request, str(exc))
        return redirect("console:community_codes")
    record_audit(request.user, "group_invite.create", "group_invite", _invite.pk)
    messages.success(request, _("Invitation planned for %(n)d customers.") % {"n": outcome.reached})
    return redirect("console:community_codes")


@login_required
def persona_list(request: HttpRequest) -> HttpResponse:
    rows = []
    for persona in Persona.objects.prefetch_related("staff").order_by("name")[:50]:
        figures = performance(persona)
        rows.append({
            "persona": persona, "completion": completion(persona), "figures": figures,
            "gmv": yuan(figures.gmv_fen),
            "moments": persona.moments.order_by("-scheduled_at")[:5],
        })  # fmt: skip
    context = {
        "section": "community",
        "rows": rows,
        "persona_form": PersonaForm(),
        "moment_form": MomentForm(),
    }
    return render(request, "console/community/personas.html", context)


@login_required
@require_POST
def persona_new(request: HttpRequest) -> HttpResponse:
    require_operator(request)
    form = PersonaForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The persona was not saved: check every field."))
        return redirect("console:community_personas")
    data = form.cleaned_data
    try:
        save_persona(
            data["name"], staff=list(data["staff"]), avatar=data.get("avatar") or "",
            bio=data.get("bio") or "", voice=data.get("voice") or "",
            certifications=form.certification_list(),
        )  # fmt: skip
    except PersonaError as exc:
        messages.error(request, str(exc))
        return redirect("console:community_personas")
    messages.success(request, _("Persona saved."))
    return redirect("console:community_personas")


@login_required
@require_POST
def moment_new(request: HttpRequest) -> HttpResponse:
    require_operator(request)
    form = MomentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The moment was not planned: check the text and time."))
        return redirect("console:community_personas")
    data = form.cleaned_data
    try:
        plan_moment(data["persona"], data["text"], data["at"], created_by_id=request.user.pk)
    except PersonaError as exc:
        messages.error(request, str(exc))
        return redirect("console:community_personas")
    messages.success(request, _("Moment planned for every account of the persona."))
    return redirect("console:community_personas")
