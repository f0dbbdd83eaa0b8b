"""One group code: edit its groups, rotation threshold, new-group naming and welcome, or
delete it. The QR image already printed keeps working after an edit (WeCom keeps the
config id; only the groups it lists change). HQ edits every code, a store manager the
codes of his store's groups; sales staff look."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from siyu.community.codes import GroupCodeError, delete_group_code, update_group_code
from siyu.community.models import CodeStatus, GroupCode
from siyu.console.community_forms import CodeForm
from siyu.console.views.community import require_operator
from siyu.console.views.community_codes import UNREACHED, join_way_gateway
from siyu.core.audit import record_audit
from siyu.core.roles import is_hq
from siyu.groups.scope import visible_groups
from siyu.messaging.send import Message


def _codes(request: HttpRequest) -> QuerySet[GroupCode]:
    codes = GroupCode.objects.exclude(status=CodeStatus.DELETED)
    if is_hq(request.user):
        return codes
    return codes.filter(chats__chat__in=visible_groups(request.user)).distinct()


def _initial(code: GroupCode) -> dict[str, object]:
    return {
        "name": code.name,
        "chats": [link.chat_id for link in code.chats.order_by("position", "pk")],
        "rotate_at": code.rotate_at,
        "auto_create_room": code.auto_create_room,
        "room_base_name": code.room_base_name,
        "welcome": (code.welcome or {}).get("text", ""),
    }


@login_required
def code_edit(request: HttpRequest, pk: int) -> HttpResponse:
    code = get_object_or_404(_codes(request), pk=pk)
    groups = visible_groups(request.user)
    if request.method != "POST":
        form = CodeForm(initial=_initial(code), groups=groups)
        return _page(request, code, form)
    require_operator(request)
    form = CodeForm(request.POST, groups=groups)
    if not form.is_valid():
        return _page(request, code, form, status=400)
    data = form.cleaned_data
    try:
        with join_way_gateway() as gateway:
            update_group_code(
                code, data["name"], list(data["chats"]), gateway=gateway,
                auto_create_room=bool(data["auto_create_room"]),
                room_base_name=data.get("room_base_name") or "", rotate_at=data["rotate_at"],
                welcome=Message(text=data["welcome"]) if data.get("welcome") else None,
            )  # fmt: skip
    except GroupCodeError as exc:
        form.add_error(None, str(exc))
        return _page(request, code, form, status=400)
    record_audit(request.user, "group_code.update", "group_code", code.pk)
    messages.success(request, _("Group code saved."))
    return redirect("console:community_codes")


def _page(request: HttpRequest, code: GroupCode, form: CodeForm, status: int = 200) -> HttpResponse:
    context = {"section": "community", "code": code, "form": form}
    return render(request, "console/community/code_edit.html", context, status=status)


@login_required
@require_POST
def code_delete(request: HttpRequest, pk: int) -> HttpResponse:
    require_operator(request)
    code = get_object_or_404(_codes(request), pk=pk)
    try:
        with join_way_gateway() as gateway:
            delete_group_code(code, gateway=gateway)
    except UNREACHED as exc:
        messages.error(request, _("WeCom did not accept the change: %(error)s") % {"error": exc})
        return redirect("console:community_code_edit", pk=code.pk)
    record_audit(request.user, "group_code.delete", "group_code", code.pk)
    messages.success(request, _("Group code deleted: its QR image no longer lets anyone join."))
    return redirect("console:community_codes")
