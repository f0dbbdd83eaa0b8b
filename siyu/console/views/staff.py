"""Staff list and password reset, for administrators and operators."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from siyu.access.passwords import may_reset_password, reset_staff_password
from siyu.core.models import Role, Staff
from siyu.core.roles import current_staff

PAGE_SIZE = 50


def manageable_staff(actor: Staff) -> QuerySet[Staff]:
    """Everyone in the actor's part of the organisation tree."""
    return (
        Staff.objects.filter(org_unit__path__startswith=actor.org_unit.path)
        .select_related("user", "org_unit")
        .order_by("org_unit__path", "display_name", "pk")
    )


def hq_staff_or_403(request: HttpRequest) -> Staff:
    actor = current_staff(request.user)
    if actor is None or actor.role not in (Role.ADMIN, Role.OPERATOR):
        raise PermissionDenied
    return actor


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    actor = hq_staff_or_403(request)
    q = request.GET.get("q", "").strip()[:100]
    rows = manageable_staff(actor)
    if q:
        rows = rows.filter(
            Q(display_name__icontains=q)
            | Q(user__username__icontains=q)
            | Q(org_unit__name__icontains=q)
        )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for member in page:
        member.can_reset = may_reset_password(actor, member)  # type: ignore[attr-defined]
    return render(request, "console/staff/list.html", {"page": page, "q": q})


@login_required
def staff_password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    actor = hq_staff_or_403(request)
    target = get_object_or_404(manageable_staff(actor), pk=pk)
    if not may_reset_password(actor, target):
        raise PermissionDenied
    form = SetPasswordForm(target.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        reset_staff_password(actor, target, form.cleaned_data["new_password1"])
        messages.success(
            request,
            _("The password of %(name)s has been reset.") % {"name": target.display_name},
        )
        return redirect("console:staff_list")
    context = {"form": form, "target": target}
    return render(request, "console/staff/password_reset.html", context)
