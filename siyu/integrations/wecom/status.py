"""The WeCom status page: is the link to WeCom healthy, and what is waiting on it.

Last callback received, the inbox backlog and parked rows (retry / discard with a reason),
the access token, API calls used in this minute and hour per API against WeCom's quota,
the last full sync and reconciliation with what they repaired, and the checks of
`siyu wecom check`, run on demand (they call WeCom and the public callback URL). HQ only.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Min
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from siyu.core.clock import fixed_window
from siyu.core.models import CounterWindow
from siyu.core.params import BadParameter, bad_parameter_response, parse_id, parse_text
from siyu.core.roles import is_hq
from siyu.integrations.wecom.check import WeComConfig, run_checks
from siyu.integrations.wecom.client.limiter import DEFAULT_LIMITS
from siyu.integrations.wecom.client.models import AccessToken
from siyu.integrations.wecom.models import CallbackInbox, InboxStatus
from siyu.integrations.wecom.parked import MAX_REASON, NotParked, discard_parked, retry_parked
from siyu.integrations.wecom.syncstate.models import RunKind, SyncRun

PARKED_SHOWN = 50
CHECK_NAMES = {
    "corp id": gettext_lazy("Corp ID"),
    "secret": gettext_lazy("App secret"),
    "callback token": gettext_lazy("Callback token"),
    "EncodingAESKey": gettext_lazy("EncodingAESKey"),
    "access token": gettext_lazy("Access token"),
    "customer contact API": gettext_lazy("Customer contact API"),
    "callback URL": gettext_lazy("Callback URL"),
}


def _require_hq(request: HttpRequest) -> None:
    if not is_hq(request.user):
        raise PermissionDenied


def inbox_state() -> dict[str, Any]:
    pending = CallbackInbox.objects.filter(status=InboxStatus.PENDING).aggregate(
        n=Count("id"), oldest=Min("received_at")
    )
    last = CallbackInbox.objects.aggregate(at=Max("received_at"))["at"]
    parked = CallbackInbox.objects.filter(status=InboxStatus.FAILED)
    return {
        "last_received": last,
        "pending": pending["n"],
        "oldest_pending": pending["oldest"],
        "parked_count": parked.count(),
        "parked": list(parked.order_by("-received_at", "-pk")[:PARKED_SHOWN]),
    }


def quota_rows() -> list[dict[str, Any]]:
    """Calls per API in the current minute and hour, read from the limiter's counters
    (siyu.core.counters, keys ``wecom:<corp>:<span>:<api>``)."""
    now = timezone.now()
    windows = {span: fixed_window(now, span).start for span, _limit in DEFAULT_LIMITS}
    limits = dict(DEFAULT_LIMITS)
    used: dict[str, dict[int, int]] = {}
    rows = CounterWindow.objects.filter(
        key__startswith="wecom:", window_start__in=list(windows.values())
    ).values_list("key", "window_start", "count")
    for key, start, count in rows:
        _prefix, _corp, span_text, api = key.split(":", 3)
        span = int(span_text)
        if windows.get(span) == start:
            counts = used.setdefault(api, {})
            counts[span] = counts.get(span, 0) + count
    return [
        {
            "api": api,
            "minute": counts.get(60, 0),
            "hour": counts.get(3600, 0),
            "minute_limit": limits[60],
            "hour_limit": limits[3600],
        }
        for api, counts in sorted(used.items(), key=lambda item: -item[1].get(3600, 0))
    ]


def last_runs() -> list[SyncRun]:
    runs = []
    for kind in (RunKind.FULL, RunKind.RECONCILE):
        run = SyncRun.objects.filter(kind=kind).order_by("-created_at").first()
        if run is not None:
            runs.append(run)
    return runs


def token_rows() -> list[dict[str, Any]]:
    now = timezone.now()
    return [
        {
            "token": token,
            "valid": token.expires_at is not None and token.expires_at > now,
            "left": (token.expires_at - now)
            if token.expires_at and token.expires_at > now
            else timedelta(0),
        }
        for token in AccessToken.objects.order_by("corp_id", "app")
    ]


@login_required
def status_page(request: HttpRequest) -> HttpResponse:
    _require_hq(request)
    context = {
        "inbox": inbox_state(),
        "quota": quota_rows(),
        "runs": last_runs(),
        "tokens": token_rows(),
        "max_reason": MAX_REASON,
        "checks": None,
    }
    if request.method == "POST":
        context["checks"] = [
            {"name": CHECK_NAMES.get(c.name, c.name), "ok": c.ok, "detail": c.detail}
            for c in run_checks(WeComConfig.from_settings())
        ]
    return render(request, "wecom/status.html", context)


@login_required
@require_POST
def parked_action(request: HttpRequest) -> HttpResponse:
    _require_hq(request)
    try:
        pk = parse_id(request.POST, "row")
        reason = parse_text(request.POST, "reason", max_length=MAX_REASON)
    except BadParameter as exc:
        return bad_parameter_response(exc)
    if pk is None:
        return bad_parameter_response(BadParameter("row", _("row is missing")))
    action = request.POST.get("action")
    try:
        if action == "retry":
            retry_parked(pk, actor=request.user)
            messages.success(request, _("Callback #%(pk)d is back in the queue.") % {"pk": pk})
        elif action == "discard":
            if not reason:
                messages.error(request, _("Say why the callback is discarded."))
                return redirect("wecom:status")
            discard_parked(pk, actor=request.user, reason=reason)
            messages.success(request, _("Callback #%(pk)d discarded.") % {"pk": pk})
        else:
            return bad_parameter_response(
                BadParameter("action", _("action must be retry or discard"))
            )
    except NotParked:
        messages.error(request, _("Callback #%(pk)d is no longer parked.") % {"pk": pk})
    return redirect("wecom:status")
