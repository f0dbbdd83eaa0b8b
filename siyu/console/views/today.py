"""The first screen (今日): the operator's day, its live part refreshed by htmx polling.

Scoped like the customer list (``visible_customers``): HQ sees the brand, a store manager
his store, a sales rep the customers she follows.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from siyu.analytics.charts import bar_chart
from siyu.analytics.params import choice_param, dashboard
from siyu.analytics.periods import COMPARES, Compare
from siyu.analytics.tables import yuan
from siyu.analytics.views import compare_options
from siyu.analytics.views.gmv import cannot_explain, factor_rows
from siyu.console import today
from siyu.core.roles import is_hq

# Parameters of the customer list: an old link to "/?q=…" still reaches the list.
LIST_PARAMS = ("q", "tag", "owner", "before", "sort")
POLL_SECONDS = 15


def parse_today(request: HttpRequest) -> Compare:
    """The page's only parameter, ?compare= (a 400 naming the choices otherwise)."""
    wanted = choice_param(request, "compare", COMPARES, "previous")
    return next(c for c in COMPARES if c == wanted)


def day_context(request: HttpRequest, compare: Compare) -> dict[str, Any]:
    staff = getattr(request.user, "staff", None)
    day = today.the_day(
        request.user,
        compare,
        hq=is_hq(request.user),
        staff_id=staff.pk if staff else None,
    )
    change = day.change
    chart = bar_chart(
        [c.channel or _("(none)") for c in day.new_by_channel],
        [float(c.customers) for c in day.new_by_channel],
        title=_("New customers today by channel"),
        category_label=_("Channel"),
        value_label=_("New customers (people)"),
        empty=_("No customer has been acquired today yet; new contacts appear here as they add."),
    )
    factors = factor_rows(change)
    dates = f"from={day.period.start.isoformat()}&to={day.period.last.isoformat()}"
    return {
        "day": day,
        "chart": chart,
        "factors": factors,
        "problem": cannot_explain(change),
        "gmv_yuan": yuan(change.after.gmv_fen),
        "compare": compare,
        "compare_options": compare_options(compare),
        "analytics_query": f"{dates}&compare={compare}",
        "today_query": dates,
        "poll_seconds": POLL_SECONDS,
    }


@dashboard
@require_GET
def today_page(request: HttpRequest) -> HttpResponse:
    if any(name in request.GET for name in LIST_PARAMS):
        return HttpResponseRedirect(f"{reverse('console:customer_list')}?{request.GET.urlencode()}")
    context = day_context(request, parse_today(request))
    return render(request, "console/today/page.html", context)


@dashboard
@require_GET
def today_live(request: HttpRequest) -> HttpResponse:
    """The part of the page that changes during the day, for htmx to swap in."""
    return render(request, "console/today/_live.html", day_context(request, parse_today(request)))
