"""Analytics dashboards: console pages under /analytics/, each with CSV for every table."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from siyu.analytics.params import BadParam, Scope
from siyu.analytics.tables import Table, csv_response
from siyu.core.models import OrgUnit
from siyu.core.roles import scoped


def org_choices(request: HttpRequest) -> list[OrgUnit]:
    """Units the filter offers: all for HQ, the user's own subtree otherwise."""
    return list(scoped(OrgUnit.objects.order_by("path"), request.user, unit_path="path"))


def render_dashboard(
    request: HttpRequest, template: str, scope: Scope, tables: list[Table], **extra: Any
) -> HttpResponse:
    wanted = request.GET.get("csv")
    if wanted is not None:
        for table in tables:
            if table.key == wanted:
                return csv_response(table)
        raise BadParam(_("No table named %(name)s") % {"name": wanted[:40]})
    query = request.GET.copy()
    query.pop("csv", None)
    context = {
        "scope": scope,
        "tables": {t.key: t for t in tables},
        "units": org_choices(request),
        "query": query.urlencode(),
        **extra,
    }
    return render(request, template, context)
