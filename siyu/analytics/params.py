"""Dashboard query parameters: parsed once, bad input becomes a 400 with a message."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _

from siyu.analytics.dimensions import in_org_unit
from siyu.analytics.periods import Period, parse_period
from siyu.core.models import OrgUnit
from siyu.core.params import parse_date, parse_id
from siyu.customers.models import Customer
from siyu.customers.scope import visible_customers


class BadParam(ValueError):
    """A query parameter the user can fix; shown in the 400 response."""


@dataclass(frozen=True)
class Scope:
    period: Period
    unit: OrgUnit | None
    customers: QuerySet[Customer]  # visible to the user, narrowed to the unit


def _int_param(request: HttpRequest, name: str) -> int | None:
    return parse_id(request.GET, name)


def _date_text(request: HttpRequest, name: str) -> str | None:
    # Bounded by the core parser first: a year-9999 end would overflow the period's +1 day.
    day = parse_date(request.GET, name)
    return day.isoformat() if day else None


def parse_scope(request: HttpRequest, *, default_days: int = 30) -> Scope:
    start, end = _date_text(request, "from"), _date_text(request, "to")
    try:
        period = parse_period(start, end, default_days=default_days)
    except ValueError as exc:
        raise BadParam(_("Bad period: %(error)s") % {"error": exc}) from exc
    unit_id = _int_param(request, "org")
    unit = None
    if unit_id is not None:
        unit = OrgUnit.objects.filter(pk=unit_id).first()
        if unit is None:
            raise BadParam(_("No such org unit"))
    return Scope(period, unit, in_org_unit(visible_customers(request.user), unit))


def dashboard(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login required; BadParam (and ValueError from the metric code) become a 400."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ValueError as exc:
            return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")

    return wrapped


def int_param(request: HttpRequest, name: str) -> int | None:
    return _int_param(request, name)


def choice_param(request: HttpRequest, name: str, choices: Sequence[str], default: str) -> str:
    """One of ``choices`` (default when absent); anything else is a 400."""
    raw = request.GET.get(name, "").strip()
    if not raw:
        return default
    if raw not in choices:
        raise BadParam(
            _("%(name)s must be one of: %(choices)s")
            % {"name": name, "choices": ", ".join(choices)}
        )
    return raw
