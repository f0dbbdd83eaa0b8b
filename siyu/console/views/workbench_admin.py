"""The operator's side of the workbench: tasks for one or many customers, task rules,
quotas per staff and store, and the board per staff / store / region. HQ writes rules and
quotas; a store manager assigns tasks to his store's customers; everyone sees the board
in their scope. Writes go through ``siyu/workbench`` verbs."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, time
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from siyu.analytics.periods import last_days
from siyu.analytics.tables import yuan
from siyu.core.clock import brand_zone
from siyu.core.models import OrgKind, OrgUnit, Role, Staff
from siyu.core.params import (
    BadParameter,
    bad_parameter_response,
    parse_date,
    parse_id,
    parse_int,
    parse_text,
)
from siyu.core.roles import current_staff, is_hq
from siyu.customers.models import Tag
from siyu.customers.scope import visible_customers
from siyu.workbench.assign import assign_tasks
from siyu.workbench.board import GROUPINGS, board, visible_staff
from siyu.workbench.models import QuotaMetric, RuleTrigger, TaskKind, TaskRule, TaskState
from siyu.workbench.queries import visible_tasks
from siyu.workbench.quotas import BadQuota, quotas_for, set_quota
from siyu.workbench.rules import OPS, BadRule, create_rule

MAX_CUSTOMERS = 500
PERIODS = {"day": 1, "week": 7, "month": 30}


def _manager_or_hq(request: HttpRequest) -> Staff:
    staff = current_staff(request.user)
    if staff is None or staff.role == Role.SALES:
        raise PermissionDenied
    return staff


def _choice(params: Any, name: str, choices: list[str], message: str, default: str | None = None) -> str:  # fmt: skip
    value = str(params.get(name) or "").strip()
    if not value and default is not None:
        return default
    if value not in choices:
        raise BadParameter(name, message)
    return value


def _customer_ids(request: HttpRequest) -> list[int]:
    params = request.POST
    tag = parse_id(params, "tag")
    scope = visible_customers(request.user)
    if tag is not None:
        if not Tag.objects.filter(pk=tag).exists():
            raise BadParameter("tag", _("Choose a tag"))
        rows = scope.filter(tag_links__tag_id=tag)
    else:
        text = parse_text(params, "customers", max_length=8000)
        parts = [p for p in re.split(r"[\s,，]+", text) if p]
        if not parts or len(parts) > MAX_CUSTOMERS or not all(p.isdigit() and len(p) < 19 for p in parts):  # fmt: skip
            raise BadParameter(
                "customers",
                _("Give up to %(n)d customer ids, separated by commas or spaces")
                % {"n": MAX_CUSTOMERS},
            )
        rows = scope.filter(pk__in=[int(p) for p in parts])
    return list(rows.order_by("pk").values_list("pk", flat=True)[:MAX_CUSTOMERS])


def _assign(request: HttpRequest, staff: Staff) -> tuple[int, int]:
    params = request.POST
    kind = _choice(params, "kind", list(TaskKind.values), _("Choose a kind of task"))
    title = parse_text(params, "title", max_length=200)
    if not title:
        raise BadParameter("title", _("Write what to do"))
    day = parse_date(params, "day")
    if day is None:
        raise BadParameter("day", _("Choose the day it is due"))
    hour = parse_int(params, "hour", minimum=0, maximum=23, default=18) or 0
    key = parse_text(params, "key", max_length=40) or uuid.uuid4().hex
    ids = _customer_ids(request)
    if not ids:
        raise BadParameter("customers", _("None of these customers is yours to assign"))
    return assign_tasks(ids, kind=kind, title=title, batch_key=f"{staff.pk}:{key}",
                        due_at=datetime.combine(day, time(hour), tzinfo=brand_zone()),
                        created_by_id=staff.pk)  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def task_admin(request: HttpRequest) -> HttpResponse:
    staff = _manager_or_hq(request)
    if request.method == "POST":
        try:
            made, unowned = _assign(request, staff)
        except BadParameter as exc:
            return bad_parameter_response(exc)
        messages.success(request, _("%(made)d tasks assigned; %(unowned)d customers have no owner.") % {"made": made, "unowned": unowned})  # fmt: skip
        return redirect("console:workbench_tasks")
    try:
        state = _choice(request.GET, "state", list(TaskState.values), _("Choose a state"), "")
    except BadParameter as exc:
        return bad_parameter_response(exc)
    rows = visible_tasks(request.user).select_related("customer", "staff")
    if state:
        rows = rows.filter(state=state)
    context = {
        "section": "workbench",
        "tasks": list(rows.order_by("-due_at", "-pk")[:100]),
        "kinds": TaskKind.choices,
        "states": TaskState.choices,
        "state": state,
        "tags": Tag.objects.order_by("name")[:200],
        "key": uuid.uuid4().hex,
    }
    return render(request, "console/workbench/tasks.html", context)


def _rule(params: Any) -> TaskRule:
    trigger = _choice(params, "trigger", list(RuleTrigger.values), _("Choose a trigger"))
    kind = _choice(params, "kind", list(TaskKind.values), _("Choose a kind of task"))
    name = parse_text(params, "name", max_length=100)
    title = parse_text(params, "title", max_length=200)
    if not name or not title:
        raise BadParameter("name", _("Give the rule a name and a task title"))
    prop = parse_text(params, "property", max_length=60)
    condition: dict[str, Any] = {}
    if prop:
        op = _choice(params, "op", list(OPS), _("Choose a comparison"))
        raw = parse_text(params, "value", max_length=60)
        value: int | str = int(raw) if re.fullmatch(r"-?\d{1,12}", raw) else raw
        condition = {"property": prop, "op": op, "value": value}
    try:
        return create_rule(
            name=name, trigger=trigger, kind=kind, title=title, condition=condition,
            event_type=parse_text(params, "event_type", max_length=60),
            once_per=parse_text(params, "once_per", max_length=60),
            due_hours=parse_int(params, "due_hours", maximum=24 * 90, default=24) or 0,
            days_after=parse_int(params, "days_after", maximum=365, default=0) or 0,
        )  # fmt: skip
    except BadRule as exc:
        raise BadParameter(str(exc), _("Check the rule's %(field)s") % {"field": exc}) from None


@login_required
@require_http_methods(["GET", "POST"])
def rule_admin(request: HttpRequest) -> HttpResponse:
    _manager_or_hq(request)
    if request.method == "POST":
        if not is_hq(request.user):
            raise PermissionDenied
        try:
            _rule(request.POST)
        except BadParameter as exc:
            return bad_parameter_response(exc)
        messages.success(request, _("Rule saved."))
        return redirect("console:workbench_rules")
    context = {
        "section": "workbench",
        "rules": TaskRule.objects.order_by("-pk")[:100],
        "triggers": RuleTrigger.choices,
        "kinds": TaskKind.choices,
        "ops": list(OPS),
        "can_edit": is_hq(request.user),
    }
    return render(request, "console/workbench/rules.html", context)


def _set_quota(request: HttpRequest) -> None:
    params = request.POST
    metric = _choice(params, "metric", list(QuotaMetric.values), _("Choose a metric"))
    target = parse_int(params, "target", maximum=10_000, default=0) or 0
    minutes = parse_int(params, "minutes", maximum=24 * 60, default=0) or 0
    staff = visible_staff(request.user).filter(pk=parse_id(params, "staff") or 0).first()
    unit = OrgUnit.objects.filter(pk=parse_id(params, "unit") or 0).first()
    try:
        set_quota(metric=metric, target=target, staff=staff, org_unit=None if staff else unit,
                  minutes=minutes)  # fmt: skip
    except BadQuota:
        raise BadParameter("target", _("Choose one staff member or one store, and a target")) from None  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def quota_admin(request: HttpRequest) -> HttpResponse:
    _manager_or_hq(request)
    if request.method == "POST":
        if not is_hq(request.user):
            raise PermissionDenied
        try:
            _set_quota(request)
        except BadParameter as exc:
            return bad_parameter_response(exc)
        messages.success(request, _("Quota saved."))
        return redirect("console:workbench_quotas")
    people = list(visible_staff(request.user).select_related("org_unit").order_by("org_unit__path", "pk")[:300])  # fmt: skip
    applied = quotas_for(people)
    rows = [(s, [applied[s.pk].get(m) for m in QuotaMetric.values]) for s in people]
    context = {
        "section": "workbench",
        "rows": rows,
        "metrics": QuotaMetric.choices,
        "units": OrgUnit.objects.exclude(kind=OrgKind.BRAND).order_by("path"),
        "can_edit": is_hq(request.user),
    }
    return render(request, "console/workbench/quotas.html", context)


@login_required
@require_GET
def board_page(request: HttpRequest) -> HttpResponse:
    if current_staff(request.user) is None:
        raise PermissionDenied
    try:
        grouping = _choice(request.GET, "by", list(GROUPINGS), _("Choose staff, store or region"), "staff")  # fmt: skip
        period = _choice(request.GET, "period", list(PERIODS), _("Choose day, week or month"), "day")  # fmt: skip
    except BadParameter as exc:
        return bad_parameter_response(exc)
    rows = board(request.user, last_days(PERIODS[period]), grouping)  # type: ignore[arg-type]
    context = {
        "section": "workbench",
        "rows": [(r, yuan(r.gmv_fen)) for r in rows],
        "by": grouping,
        "period": period,
        "groupings": GROUPINGS,
        "periods": list(PERIODS),
        "new_contacts": QuotaMetric.NEW_CONTACTS,
        "tasks_done": QuotaMetric.TASKS_DONE,
    }
    return render(request, "console/workbench/board.html", context)
