"""Customer list and 360 page. Reads come from the console's query modules; writes call
the customer verbs (tagging) or the audit log, never models directly."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from siyu.console import customer360 as c360
from siyu.console.customer_summary import customer_summary
from siyu.console.forms import AddTagForm, CustomerFilterForm
from siyu.console.list_order import SORTS, Sort, sorted_customer_page
from siyu.console.queries import CustomerFilter, owner_choices, tag_choices
from siyu.core.audit import record_audit
from siyu.core.params import (
    BadParameter,
    Params,
    bad_parameter_response,
    parse_id,
    parse_text,
)
from siyu.customers.models import Customer, Tag, TagKind, TagSource
from siyu.customers.tagging import add_tag, remove_tag
from siyu.messaging.budget import left_for_customer


class BadSort(ValueError):
    """A ?sort= the list does not offer (a 400 naming the choices)."""


def parse_sort(request: HttpRequest) -> Sort:
    """The list's ?sort= (newest first when absent); kept apart so one bounded parameter
    parser can take it over."""
    raw = request.GET.get("sort", "").strip()
    if not raw:
        return "newest"
    for sort in SORTS:
        if raw == sort:
            return sort
    raise BadSort(_("sort must be one of: %(choices)s") % {"choices": ", ".join(SORTS)})


SORT_LABELS = {
    "newest": gettext_lazy("Newest first"),
    "last_order": gettext_lazy("Last order"),
    "spend": gettext_lazy("Spend"),
}


@login_required
@require_GET
def customer_list(request: HttpRequest) -> HttpResponse:
    try:
        filters = parse_customer_filter(request.GET)
    except BadParameter as exc:
        return bad_parameter_response(exc)
    form = CustomerFilterForm(request.GET)
    try:
        sort = parse_sort(request)
    except BadSort as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    page = sorted_customer_page(request.user, filters, sort)
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "sort": sort,
        "sorts": [(key, SORT_LABELS[key]) for key in SORTS],
        "owners": list(owner_choices(request.user)),
        "tags": list(tag_choices()),
    }
    if getattr(request, "htmx", False) and request.GET.get("partial") == "rows":
        return render(request, "console/customers/_results.html", context)
    return render(request, "console/customers/list.html", context)


def parse_customer_filter(params: Params) -> CustomerFilter:
    return CustomerFilter(
        q=parse_text(params, "q", max_length=128),
        tag_id=parse_id(params, "tag"),
        owner_id=parse_id(params, "owner"),
        before=parse_id(params, "before"),
    )


def visible_customer_or_404(request: HttpRequest, pk: int) -> Customer:
    customer, _survivor = c360.find_customer(request.user, pk)
    if customer is None:
        raise Http404
    return customer


@login_required
@require_GET
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer, survivor = c360.find_customer(request.user, pk)
    if survivor is not None:
        return redirect("console:customer_detail", pk=survivor)
    if customer is None:
        raise Http404
    current_consents, consent_history = c360.consents(customer)
    context = {
        "customer": customer,
        "pii": c360.masked_pii(customer),
        "revealed": False,
        "identities": c360.identity_rows(customer),
        "follows": c360.follows(customer),
        "current_consents": current_consents,
        "consent_history": consent_history,
        "timeline": c360.timeline(customer),
        "summary": customer_summary(customer),
        "budget": left_for_customer(customer),
        **tag_context(customer),
    }
    return render(request, "console/customers/detail.html", context)


@login_required
@require_POST
def reveal_pii(request: HttpRequest, pk: int) -> HttpResponse:
    customer = visible_customer_or_404(request, pk)
    with transaction.atomic():
        # Audited before the plaintext leaves the server; both commit together.
        record_audit(
            request.user,
            "pii.view",
            "customer",
            customer.pk,
            fields=["real_name", "address", "phone"],
        )
        pii = c360.revealed_pii(customer)
    context = {"customer": customer, "pii": pii, "revealed": True}
    return render(request, "console/customers/_pii.html", context)


def tag_context(customer: Customer) -> dict[str, Any]:
    links = c360.tag_links(customer)
    return {
        "customer": customer,
        "tag_links": links,
        "addable_tags": c360.addable_tags(customer, links),
    }


def tags_response(request: HttpRequest, customer: Customer) -> HttpResponse:
    if getattr(request, "htmx", False):
        return render(request, "console/customers/_tags.html", tag_context(customer))
    return redirect("console:customer_detail", pk=customer.pk)


@login_required
@require_POST
def customer_add_tag(request: HttpRequest, pk: int) -> HttpResponse:
    customer = visible_customer_or_404(request, pk)
    form = AddTagForm(request.POST)
    if form.is_valid():
        tag = Tag.objects.filter(pk=form.cleaned_data["tag"], kind=TagKind.MANUAL).first()
        if tag is not None:
            add_tag(customer, tag, source=TagSource.MANUAL, actor=request.user)
    return tags_response(request, customer)


@login_required
@require_POST
def customer_remove_tag(request: HttpRequest, pk: int, tag_id: int) -> HttpResponse:
    customer = visible_customer_or_404(request, pk)
    # Automatic tags follow their rule; removing one by hand would be undone next run.
    tag = Tag.objects.filter(pk=tag_id, kind=TagKind.MANUAL).first()
    if tag is not None:
        remove_tag(customer, tag, actor=request.user)
    return tags_response(request, customer)
