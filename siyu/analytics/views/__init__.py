"""Analytics dashboards: console pages under /analytics/, each with CSV for every table."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from siyu.analytics.params import BadParam, Scope, choice_param
from siyu.analytics.periods import COMPARES, Compare
from siyu.analytics.tables import Table, csv_response
from siyu.core.models import OrgUnit
from siyu.core.roles import scoped

COMPARE_LABELS: dict[str, Any] = {
    "previous": gettext_lazy("Previous period (same number of days just before)"),
    "month": gettext_lazy("Previous calendar month (same dates a month earlier)"),
    "quarter": gettext_lazy("Previous calendar quarter (same dates a quarter earlier)"),
    "year": gettext_lazy("Same period last year"),
}


def compare_choice(request: HttpRequest) -> Compare:
    """The ?compare= base of a page that compares two periods."""
    wanted = choice_param(request, "compare", COMPARES, "previous")
    return next(c for c in COMPARES if c == wanted)


def compare_options(chosen: Compare) -> list[tuple[str, str, bool]]:
    return [(c, str(COMPARE_LABELS[c]), c == chosen) for c in COMPARES]


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
