"""The console page where API keys are managed: every key, its scopes, budget and last use.

Keys are created and re-scoped with ``manage.py api_key`` (the raw key is printed once, to
the operator's terminal, never to a web page); this page is where one checks what each
integration may do and spots a key nobody uses any more.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from siyu.access.models import ApiKey, Scope
from siyu.core.models import Role, Staff


def _require_admin(request: HttpRequest) -> None:
    staff = Staff.objects.filter(user_id=request.user.pk or 0, is_active=True).first()
    if staff is None or staff.role != Role.ADMIN:
        raise PermissionDenied


@login_required
@require_GET
def key_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    keys = ApiKey.objects.order_by("revoked_at", "name")
    context = {"keys": keys, "scopes": Scope.choices}
    return render(request, "access/keys.html", context)
