"""Community pages (社群运营): the groups with their health and SOP posts, group codes and
invites, personas with their moments. Writes go through the verbs of ``siyu/community``
and ``siyu/groups``; WeCom is reached through the adapter's gateway outside transactions.
HQ and store managers operate groups; sales staff see them read-only. Every page shows
the groups the user's role reaches (``groups.scope.visible_groups``): HQ the brand, a
store manager his store's, a sales rep her own."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from siyu.analytics.charts import line_chart
from siyu.analytics.tables import yuan
from siyu.community.health import Health, group_health
from siyu.community.models import CommunitySettings, GroupPost, SopSlot
from siyu.community.sop import (
    PostError,
    budget_left,
    plan_slots,
    posts_left_today,
    schedule_post,
)
from siyu.console.community_forms import GroupForm, PostForm, SlotForm
from siyu.core.models import Role
from siyu.core.roles import current_staff, is_hq
from siyu.groups.models import GroupTag
from siyu.groups.scope import visible_groups
from siyu.transfers.models import TransferJob


def require_operator(request: HttpRequest) -> None:
    staff = current_staff(request.user)
    if staff is None or staff.role == Role.SALES:
        raise PermissionDenied


@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    groups = visible_groups(request.user)
    chats = list(groups.prefetch_related("tags").order_by("status", "-member_count", "name")[:300])
    left = budget_left([c.chat_id for c in chats])
    rows = [{"chat": c, "budget": left.get(c.chat_id, 0)} for c in chats]
    handovers = TransferJob.objects.select_related("from_staff", "to_staff").exclude(
        groups_moved=[], groups_left_out=[]
    )
    if not is_hq(request.user):  # a leaver's handover is HQ's, or the store's own
        handovers = handovers.filter(
            Q(from_staff__wecom_userid__in=groups.values("owner_userid"))
            | Q(to_staff__wecom_userid__in=groups.values("owner_userid"))
        )
    context = {
        "section": "community",
        "rows": rows,
        "settings": CommunitySettings.current(),
        "handovers": handovers.order_by("-created_at")[:10],
        "slots": SopSlot.objects.filter(active=True, chats__in=groups)
        .distinct()
        .prefetch_related("chats")
        .order_by("at_time"),
        "slot_form": SlotForm(groups=groups),
    }
    return render(request, "console/community/groups.html", context)


def health_chart(health: Health) -> str:
    days = health.days
    moved = any(health.joins) or any(health.quits)
    series = {_("Joins"): health.joins, _("Quits"): health.quits} if moved else {}
    return line_chart(
        {name: [float(n) for n in values] for name, values in series.items()},
        title=_("Joins and quits per day"),
        x_label=_("Day"),
        y_label=_("Members (people)"),
        empty=_("No joins or quits recorded in these days."),
        x_values=[float(n) for n in range(len(days))],
        x_fmt=lambda x: days[min(max(int(x), 0), len(days) - 1)].strftime("%m-%d"),
    )


@login_required
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    chat = get_object_or_404(visible_groups(request.user), pk=pk)
    health = group_health(chat)
    posts = GroupPost.objects.filter(chat=chat).order_by("-scheduled_at")[:30]
    tags = ", ".join(chat.tags.values_list("name", flat=True))
    context = {
        "section": "community",
        "chat": chat,
        "health": health,
        "chart": health_chart(health),
        "order_yuan": yuan(health.order_fen),
        "posts": posts,
        "budget": budget_left([chat.chat_id]).get(chat.chat_id, 0),
        "posts_left": posts_left_today(chat),
        "members": chat.members.filter(left_at__isnull=True).select_related("customer")[:50],
        "group_form": GroupForm(initial={"group_type": chat.group_type, "tags": tags}),
        "post_form": PostForm(),
    }
    return render(request, "console/community/group.html", context)


@login_required
@require_POST
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_operator(request)
    chat = get_object_or_404(visible_groups(request.user), pk=pk)
    form = GroupForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The group was not saved: check the type and tags."))
        return redirect("console:community_group", pk=pk)
    with transaction.atomic():
        chat.group_type = form.cleaned_data["group_type"]
        chat.save(update_fields=["group_type"])
        chat.tags.set([GroupTag.objects.get_or_create(name=n)[0] for n in form.tag_names()])
    messages.success(request, _("Group saved."))
    return redirect("console:community_group", pk=pk)


@login_required
@require_POST
def group_post(request: HttpRequest, pk: int) -> HttpResponse:
    require_operator(request)
    chat = get_object_or_404(visible_groups(request.user), pk=pk)
    form = PostForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The post was not planned: check the kind, text and time."))
        return redirect("console:community_group", pk=pk)
    data = form.cleaned_data
    try:
        plan = schedule_post(
            [chat], data["kind"], data["text"], data["at"], created_by_id=request.user.pk
        )
    except PostError as exc:
        messages.error(request, str(exc))
        return redirect("console:community_group", pk=pk)
    if plan.over_ceiling:
        messages.warning(
            request, _("Not sent: the group already has its posts for that day (ceiling).")
        )
    else:
        messages.success(request, _("Post planned."))
    return redirect("console:community_group", pk=pk)


@login_required
@require_POST
def slot_new(request: HttpRequest) -> HttpResponse:
    require_operator(request)
    form = SlotForm(request.POST, groups=visible_groups(request.user))
    if not form.is_valid():
        messages.error(request, _("The SOP slot was not saved: check every field."))
        return redirect("console:community_groups")
    data: dict[str, Any] = form.cleaned_data
    with transaction.atomic():
        slot = SopSlot.objects.create(
            name=data["name"], kind=data["kind"], text=data["text"], at_time=data["at_time"],
            created_at=timezone.now(),
        )  # fmt: skip
        slot.chats.set(data["chats"])
    plan_slots()
    messages.success(request, _("SOP slot saved; its posts for the coming week are planned."))
    return redirect("console:community_groups")
