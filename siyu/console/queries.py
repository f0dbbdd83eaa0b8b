"""Reads behind the customer list: search, filters and keyset pagination.

Every query starts from ``visible_customers(user)`` so scoping cannot be skipped.
Pagination is keyset on ``-id`` (``id < before``): the cost of a page does not grow with
how deep the user has paged, unlike OFFSET, which at 1M rows reads and discards them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from siyu.core.models import Staff
from siyu.core.pii import blind_index, older_indexes
from siyu.core.roles import User, scoped
from siyu.customers.identity_rules import RULES, normalize_value
from siyu.customers.models import Customer, CustomerTag, Identity, Tag
from siyu.customers.scope import visible_among, visible_customers

PAGE_SIZE = 50
# Enough to show every profile one searched value points at; a value linking more than
# this many people is a shared identifier, not a useful search.
MAX_IDENTITY_MATCHES = 200
MIN_NAMESPACED_ID = 16
# Up to this many name or phone-suffix matches are read by id (see search_condition).
NAME_MATCHES = 2000
LAST4 = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class CustomerFilter:
    q: str = ""
    tag_id: int | None = None
    owner_id: int | None = None
    before: int | None = None
    # ``q`` resolved by ``resolve_search``, so a page's count, rows and export chunks
    # probe the search indexes once.
    search: Q | None = field(default=None, compare=False, repr=False)


def resolve_search(filters: CustomerFilter) -> CustomerFilter:
    if not filters.q.strip() or filters.search is not None:
        return filters
    return replace(filters, search=search_condition(filters.q))


@dataclass(frozen=True)
class CustomerPage:
    customers: list[Customer]
    next_before: int | None


def identity_customer_ids(q: str) -> list[int]:
    """Profiles holding an identity whose value is exactly ``q``.

    Phone and email are stored as blind indexes, so the query value is normalised and
    hashed the same way before comparison. Every lookup names its type so the
    (type, namespace, value) unique index serves it.
    """
    q = q.strip()
    flat = [t for t, rule in RULES.items() if not rule.pii and not rule.needs_namespace]
    wanted = Q(type__in=flat, namespace="", value=q)
    if len(q) >= MIN_NAMESPACED_ID:
        # openids and external userids live under an appid/corp the user does not type;
        # only values long enough to be such ids pay for the wider index range.
        spaced = [t for t, rule in RULES.items() if rule.needs_namespace]
        wanted |= Q(type__in=spaced, value=q)
    for pii_type in ("phone", "email"):
        normalized = normalize_value(pii_type, q)
        indexes = (blind_index(pii_type, normalized), *older_indexes(pii_type, normalized))
        wanted |= Q(type=pii_type, value__in=indexes)
    rows = (
        Identity.objects.filter(wanted, customer__isnull=False)
        .values_list("customer_id", flat=True)
        .distinct()[:MAX_IDENTITY_MATCHES]
    )
    return [pk for pk in rows if pk is not None]


def name_prefix(q: str) -> Q:
    """Names starting with ``q``, as one range of the ``cust_display_name`` index."""
    if connection.vendor == "sqlite":
        # SQLite's LIKE (Django's startswith) folds ASCII case and, with Django's ESCAPE,
        # cannot use the index: at 1M customers a search walked every profile (1.9 s).
        # The binary range is the same prefix test, case-sensitive as PostgreSQL's LIKE.
        return Q(display_name__gte=q, display_name__lt=q + "\U0010ffff")
    return Q(display_name__startswith=q)


def search_condition(q: str) -> Q:
    """Profiles whose name starts with ``q``, whose phone ends in it (four digits) or who
    hold an identity of that value. A real search matches a few profiles: each kind of
    match is found by its own index first and the page reads those profiles by id. A
    prefix matching more than NAME_MATCHES is dense enough that walking the list in its
    order finds a page of them quickly, so it stays a condition on each row."""
    q = q.strip()
    tests = [name_prefix(q)] + ([Q(phone_last4=q)] if LAST4.match(q) else [])
    found: set[int] = set(identity_customer_ids(q))
    for test in tests:
        ids = list(Customer.objects.filter(test).values_list("pk", flat=True)[: NAME_MATCHES + 1])
        if len(ids) > NAME_MATCHES:
            # startswith, not the range: an index range would sort every match by id.
            dense = Q(display_name__startswith=q) | Q(pk__in=sorted(found))
            return dense | Q(phone_last4=q) if len(tests) > 1 else dense
        found.update(ids)
    return Q(pk__in=sorted(found))


def filtered_customers(
    user: User, filters: CustomerFilter, *, by_row: bool = False
) -> QuerySet[Customer]:
    """The user's customers matching ``filters``; ``by_row`` scopes row by row
    (``visible_among``) for a page that walks an index in its order and stops early."""
    qs = visible_among(Customer.objects.all(), user) if by_row else visible_customers(user)
    if filters.q.strip():
        qs = qs.filter(resolve_search(filters).search)
    if filters.tag_id is not None:
        qs = qs.filter(
            Exists(CustomerTag.objects.filter(customer_id=OuterRef("pk"), tag_id=filters.tag_id))
        )
    if filters.owner_id is not None:
        qs = qs.filter(primary_owner_id=filters.owner_id)
    if filters.before is not None:
        qs = qs.filter(pk__lt=filters.before)
    return qs


def customer_page(user: User, filters: CustomerFilter) -> CustomerPage:
    tag_links = CustomerTag.objects.select_related("tag").order_by("tag__group__sort_order", "id")
    rows = list(
        filtered_customers(user, filters)
        .select_related("primary_owner")
        .prefetch_related(Prefetch("tag_links", queryset=tag_links))
        .order_by("-pk")[: PAGE_SIZE + 1]
    )
    has_more = len(rows) > PAGE_SIZE
    customers = rows[:PAGE_SIZE]
    return CustomerPage(customers, customers[-1].pk if has_more else None)


def owner_choices(user: User) -> QuerySet[Staff]:
    """Staff the user may filter by: everyone for HQ, the store's staff for a manager."""
    qs = Staff.objects.filter(is_active=True).order_by("display_name")
    return scoped(qs, user, unit_path="org_unit__path", own=lambda staff: Q(pk=staff.pk))


def tag_choices() -> QuerySet[Tag]:
    return Tag.objects.select_related("group").order_by("group__sort_order", "group_id", "name")
