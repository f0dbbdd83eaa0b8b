"""Identity review for HQ: flags raised by resolution, and recent merges with undo."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from siyu.core.roles import is_hq
from siyu.customers.merge import UnmergeOutOfOrder, unmerge
from siyu.customers.models import MergeRecord, ReviewFlag
from siyu.customers.review import resolve_flag

PAGE = 100


def _require_hq(request: HttpRequest) -> None:
    if not is_hq(request.user):
        raise PermissionDenied


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    _require_hq(request)
    flags = list(
        ReviewFlag.objects.filter(resolved_at__isnull=True)
        .select_related("identity", "customer")
        .order_by("-created_at")[:PAGE]
    )
    merges = list(
        MergeRecord.objects.filter(undone_at__isnull=True)
        .select_related("survivor", "merged")
        .order_by("-created_at")[:PAGE]
    )
    context = {"flags": flags, "merges": merges}
    return render(request, "console/review/queue.html", context)


@login_required
@require_POST
def review_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    _require_hq(request)
    flag = get_object_or_404(ReviewFlag, pk=pk)
    try:
        resolve_flag(flag, note=request.POST.get("note", "")[:200], actor=request.user)
    except ValueError:
        messages.info(request, _("That flag was already resolved."))
    else:
        messages.success(request, _("Flag resolved."))
    return redirect("console:review")


@login_required
@require_POST
def review_unmerge(request: HttpRequest, pk: int) -> HttpResponse:
    _require_hq(request)
    record = get_object_or_404(MergeRecord, pk=pk)
    try:
        restored = unmerge(record, actor=request.user)
    except UnmergeOutOfOrder as refused:
        messages.error(request, str(refused))
    except ValueError:
        messages.info(request, _("That merge was already undone."))
    else:
        messages.success(
            request,
            _("Merge undone: profile #%(id)s is separate again.") % {"id": restored.pk},
        )
    return redirect("console:review")
