"""Channel codes (渠道活码): the list with each code's figures, create, edit, retire, and
the QR image. HQ manages codes; a store manager sees his store's codes, read-only.

Writes go through the verbs of ``siyu/channels/codes.py``; WeCom is reached through the
adapter's gateway, outside any transaction (the verbs call it after their rows commit or
before they open one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from siyu.analytics.tables import yuan
from siyu.channels.codes import (
    CONTACT_WAY_QUOTA,
    ChannelCodeError,
    create_channel,
    create_channel_code,
    quota_used,
    retire_channel_code,
    update_channel_code,
)
from siyu.channels.models import ChannelCode, CodeStatus
from siyu.channels.queries import code_stats
from siyu.console.channel_forms import CodeForm, NewChannelForm, NewCodeForm
from siyu.core.audit import record_audit
from siyu.core.models import Role
from siyu.core.roles import current_staff, is_hq, scoped
from siyu.integrations.wecom.client.errors import LocalRateLimited, WeComError
from siyu.integrations.wecom.onboarding import WeComChannelGateway
from siyu.integrations.wecom.qr import QrUnavailable, fetch_qr_image
from siyu.integrations.wecom.transport import wecom_client

UNREACHED = (WeComError, LocalRateLimited, httpx.HTTPError, ImproperlyConfigured)


def require_hq(request: HttpRequest) -> None:
    if not is_hq(request.user):
        raise PermissionDenied


def visible_codes(request: HttpRequest) -> QuerySet[ChannelCode]:
    """HQ: every code. A store manager: codes of his store's channels. Sales: none (403)."""
    staff = current_staff(request.user)
    if staff is None or staff.role == Role.SALES:
        raise PermissionDenied
    codes = ChannelCode.objects.select_related("channel", "fallback_staff", "welcome_variant")
    return scoped(codes, request.user, unit_path="channel__org_unit__path")


@contextmanager
def gateway() -> Iterator[WeComChannelGateway]:
    client = wecom_client()
    try:
        yield WeComChannelGateway(client)
    finally:
        client.close()


def wecom_refused(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, ImproperlyConfigured):
        messages.error(request, _("WeCom is not configured yet: see the WeCom status page."))
    else:
        messages.error(
            request, _("WeCom did not accept the change: %(error)s") % {"error": str(exc)[:200]}
        )


@login_required
def code_list(request: HttpRequest) -> HttpResponse:
    codes = list(
        visible_codes(request)
        .exclude(status=CodeStatus.DELETED)
        .prefetch_related("members__staff")
        .order_by("status", "channel__name", "pk")
    )
    stats = code_stats(ChannelCode.objects.filter(pk__in=[c.pk for c in codes]))
    rows = []
    for code in codes:
        figures = stats[code.pk]
        rows.append({"code": code, "stats": figures, "cac": yuan(figures.cac_fen)})
    used = quota_used()
    context = {
        "rows": rows,
        "can_edit": is_hq(request.user),
        "quota_used": f"{used:,}",
        "quota": f"{CONTACT_WAY_QUOTA:,}",
        "quota_pct": f"{used / CONTACT_WAY_QUOTA * 100:.2f}%",
        "channel_form": NewChannelForm(),
    }
    return render(request, "console/channels/codes.html", context)


@login_required
@require_POST
def channel_new(request: HttpRequest) -> HttpResponse:
    require_hq(request)
    form = NewChannelForm(request.POST)
    if form.is_valid():
        channel = create_channel(form.cleaned_data["name"], form.cleaned_data["kind"])
        messages.success(request, _("Channel “%(name)s” is ready.") % {"name": channel.name})
    else:
        messages.error(request, _("The channel needs a name and a platform."))
    return redirect("console:channel_codes")


def _options(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "skip_verify": bool(data["skip_verify"]),
        "daily_cap": data.get("daily_cap"),
        "fallback": data.get("fallback"),
        "tags": list(data.get("tags") or []),
        "welcome_variant": data.get("welcome_variant"),
    }


def _write(
    request: HttpRequest,
    form: CodeForm,
    action: str,
    write: Callable[[WeComChannelGateway], ChannelCode],
) -> HttpResponse | None:
    """Run a code verb against WeCom; the redirect on success, None to show the form again
    with what went wrong (the verb's refusal on the form, WeCom's in the messages)."""
    try:
        with gateway() as way:
            code = write(way)
    except ChannelCodeError as exc:
        form.add_error(None, _("The code was not saved: %(error)s") % {"error": exc})
        return None
    except UNREACHED as exc:
        wecom_refused(request, exc)
        return None
    record_audit(request.user, action, "channel_code", code.pk)
    messages.success(request, _("Channel code %(state)s saved.") % {"state": code.state})
    return redirect("console:channel_code_edit", pk=code.pk)


@login_required
def code_new(request: HttpRequest) -> HttpResponse:
    require_hq(request)
    form = NewCodeForm(request.POST or None, initial={"skip_verify": True})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _write(
            request,
            form,
            "channel_code.create",
            lambda way: create_channel_code(
                data["channel"], list(data["staff"]), gateway=way, **_options(data)
            ),
        )
        if done is not None:
            return done
    return render(request, "console/channels/code_form.html", {"form": form, "code": None})


@login_required
def code_edit(request: HttpRequest, pk: int) -> HttpResponse:
    code = get_object_or_404(visible_codes(request).exclude(status=CodeStatus.DELETED), pk=pk)
    if request.method == "POST":
        require_hq(request)
    members = [m.staff for m in code.members.select_related("staff")]
    initial = {
        "staff": members,
        "daily_cap": code.daily_cap,
        "fallback": code.fallback_staff,
        "skip_verify": code.skip_verify,
        "tags": list(code.tags.all()),
        "welcome_variant": code.welcome_variant,
    }
    form = CodeForm(request.POST or None, initial=initial, channel=code.channel)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _write(
            request,
            form,
            "channel_code.update",
            lambda way: update_channel_code(
                code, staff=list(data["staff"]), gateway=way, **_options(data)
            ),
        )
        if done is not None:
            return done
    context = {"form": form, "code": code, "can_edit": is_hq(request.user), "members": members}
    return render(request, "console/channels/code_form.html", context)


@login_required
@require_POST
def code_retire(request: HttpRequest, pk: int) -> HttpResponse:
    require_hq(request)
    code = get_object_or_404(ChannelCode, pk=pk)
    if code.status == CodeStatus.ACTIVE:
        retire_channel_code(code)
        record_audit(request.user, "channel_code.retire", "channel_code", code.pk)
        messages.success(
            request,
            _("Channel code %(state)s is retired: printed copies keep working for 90 days.")
            % {"state": code.state},
        )
    return redirect("console:channel_codes")


@login_required
def code_qr(request: HttpRequest, pk: int) -> HttpResponse:
    code = get_object_or_404(visible_codes(request).exclude(status=CodeStatus.DELETED), pk=pk)
    try:
        content, kind = fetch_qr_image(code.qr_code)
    except QrUnavailable:
        raise Http404(_("WeCom has no QR image for this code.")) from None
    response = HttpResponse(content, content_type=kind)
    response["Cache-Control"] = "private, max-age=3600"
    if request.GET.get("download") == "1":
        extension = "png" if kind == "image/png" else "jpg"
        filename = f"{code.state.replace(':', '-')}.{extension}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
