"""The workbench's panels on other pages, one line each in their templates:
``{% workbench_customer customer %}`` on the 360 page (loss marks, open tasks and the
follow-up notes with a form to add one) and ``{% workbench_due %}`` on the first screen
(tasks due today and overdue, in the user's scope)."""

from __future__ import annotations

from typing import Any

from django import template

from siyu.workbench.notes import MAX_NOTE
from siyu.workbench.queries import customer_alerts, due_counts, notes_for, open_tasks_for

register = template.Library()


@register.inclusion_tag("console/workbench/_customer.html")
def workbench_customer(customer: Any) -> dict[str, Any]:
    return {
        "customer": customer,
        "alerts": customer_alerts(customer.pk),
        "open_tasks": open_tasks_for(customer.pk),
        "notes": notes_for(customer.pk),
        "max_note": MAX_NOTE,
    }


@register.inclusion_tag("console/workbench/_due.html", takes_context=True)
def workbench_due(context: template.Context) -> dict[str, Any]:
    request = context["request"]
    return {"due": due_counts(request.user), "request": request}
