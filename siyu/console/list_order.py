"""Sort orders of the customer list (newest, last order, spend), its total, and keyset
pagination that works for each order.

Built on ``filtered_customers`` so scoping and filters stay in one place. The cursor is still
the last row's id (``before``): the page looks up that row's sort value, then continues
strictly after (value, id) — so a page costs the same however deep the user has paged, and
rows never repeat or vanish between pages when values tie.

The total is counted exactly up to ``TOTAL_BOUND`` and shown as "more than" beyond it: a
bounded count costs at most that many index entries whatever the scope (a rep with 150k
contacts at 1M customers), and the page never claims an exact number it did not count.
The newest-first page is row-driven (``visible_among``): it walks the (status,
first_seen_at, id) index from the newest and checks each row's scope, so it stops after a
page instead of sorting the whole scope. Once the segment facts hold every buyer
(``facts_ready``), the sorts by last order and spend are row-driven too (``list_facts``):
they walk the facts' (value, customer) index instead of aggregating every order of the
scope; customers who never bought follow the buyers, newest id first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from siyu.console.list_facts import facts_page, in_order
from siyu.console.queries import PAGE_SIZE, CustomerFilter, filtered_customers, resolve_search
from siyu.customers.models import Customer, CustomerTag, Order
from siyu.segments.facts import facts_ready

Sort = Literal["newest", "last_order", "spend"]
SORTS: tuple[Sort, ...] = ("newest", "last_order", "spend")
SORT_KEY = {"newest": "first_seen_at", "last_order": "last_order_at", "spend": "spend_fen"}
TOTAL_BOUND = 10_000


def bounded_count(qs: QuerySet[Customer]) -> tuple[int, bool]:
    """(count, exact): exact up to TOTAL_BOUND, else (TOTAL_BOUND, False)."""
    n = qs.order_by()[: TOTAL_BOUND + 1].count()
    return (n, True) if n <= TOTAL_BOUND else (TOTAL_BOUND, False)


@dataclass(frozen=True)
class SortedPage:
    customers: list[Customer]
    next_before: int | None
    total: int
    sort: Sort
    total_exact: bool = True  # False: ``total`` is TOTAL_BOUND and there are more


def with_sort_value(qs: QuerySet[Customer], sort: Sort) -> QuerySet[Customer]:
    """Annotate the value the list sorts by (acquisition time needs none: it is a column)."""
    orders = Order.objects.filter(customer_id=OuterRef("pk"))
    if sort == "last_order":
        latest = orders.order_by("-paid_at").values("paid_at")[:1]
        return qs.annotate(last_order_at=Subquery(latest))
    if sort == "spend":
        # Net of refunds, as GMV is; 0 for a customer who never bought (sorted last anyway).
        net = (
            orders.values("customer_id")
            .annotate(s=Sum(F("paid_fen") - F("refunded_fen")))
            .values("s")
        )
        return qs.annotate(spend_fen=Coalesce(Subquery(net), 0))
    return qs


def with_details(qs: QuerySet[Customer]) -> QuerySet[Customer]:
    """What a list row shows besides the customer: the owner's name and the tags."""
    tag_links = CustomerTag.objects.select_related("tag").order_by("tag__group__sort_order", "id")
    return qs.select_related("primary_owner").prefetch_related(
        Prefetch("tag_links", queryset=tag_links)
    )


def after_cursor(qs: QuerySet[Customer], key: str, value: Any, before: int) -> QuerySet[Customer]:
    """Rows after (value, id) in descending order, NULL values last."""
    if value is None:
        return qs.filter(**{f"{key}__isnull": True}, pk__lt=before)
    later = Q(**{f"{key}__lt": value}) | Q(**{key: value}, pk__lt=before)
    return qs.filter(later | Q(**{f"{key}__isnull": True}))


def sorted_customer_page(
    user: AbstractBaseUser | AnonymousUser, filters: CustomerFilter, sort: Sort
) -> SortedPage:
    unpaged = resolve_search(replace(filters, before=None))
    total, exact = bounded_count(filtered_customers(user, unpaged))
    if sort != "newest" and facts_ready():
        ids, values, next_before = facts_page(user, unpaged, sort, filters.before, PAGE_SIZE)
        rows = list(with_details(Customer.objects.filter(pk__in=ids)))
        return SortedPage(in_order(rows, ids, values, sort), next_before, total, sort, exact)
    key = SORT_KEY[sort]
    qs = with_sort_value(filtered_customers(user, unpaged, by_row=sort == "newest"), sort)
    if filters.before is not None:
        cursor = list(qs.filter(pk=filters.before).values_list(key, flat=True)[:1])
        if cursor:
            qs = after_cursor(qs, key, cursor[0], filters.before)
    rows = list(with_details(qs).order_by(F(key).desc(nulls_last=True), "-pk")[: PAGE_SIZE + 1])
    has_more = len(rows) > PAGE_SIZE
    customers = rows[:PAGE_SIZE]
    return SortedPage(customers, customers[-1].pk if has_more else None, total, sort, exact)
