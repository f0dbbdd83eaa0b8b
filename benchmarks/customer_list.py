"""p50/p95 of the console's first screen (今日), customer-list and 360-page queries on a
large simulated brand.

    uv run python benchmarks/customer_list.py [--customers N | --quick] [--reuse]

Builds the demo brand with N customers (default 1M; --quick 50k) into its own SQLite data
directory (var/bench-N), or into DATABASE_URL when set, then times the console's own query
functions as lin.yue (admin, sees everyone) and chen.jing (sales, sees her follows), and
whole views (queries and template) per role — lin.yue (HQ), wang.qiang (store manager),
chen.jing (sales): the first screen, the customer list, the CSV export's first rows, and
the 360 page as HQ (warm: the population fit happens in the warm-up round).
Baselines in the same run: the same list paged with OFFSET at the same deep position, and
the previous first screen, list total and whole-body export (benchmarks/screen_baseline.py).
The sorts by last order and by spend still aggregate every order; past 200k customers they
run only with --sorts. Last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from bench_env import setup_django

ROUNDS = 30
SLOW_ROUNDS = 5  # baselines that take seconds each
ROLES = (("HQ", "lin.yue"), ("manager", "wang.qiang"), ("sales", "chen.jing"))


def setup(customers: int, reuse: bool) -> None:
    setup_django(f"bench-{customers}", reuse=reuse)


def build(customers: int) -> float | None:
    from django.core.management import call_command

    from siyu.customers.models import Customer
    from siyu.demo.simulate import simulate

    call_command("migrate", interactive=False, verbosity=0)
    if Customer.objects.exists():
        print(f"reusing {Customer.objects.count()} customer rows")
        return None
    started = time.perf_counter()
    step = max(customers // 20, 1)
    done = [0]

    def progress(n: int) -> None:
        before = done[0] // step
        done[0] += n
        if done[0] // step != before:
            print(f"  {done[0]:>9,} people  {time.perf_counter() - started:6.1f}s", flush=True)

    simulate(customers, 7, progress=progress)
    from django.db import connection

    with connection.cursor() as cursor:  # fresh statistics for the planner after a bulk load
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def fill_facts_once() -> None:
    """The worker fills the segment facts once after install; a benchmark brand has no
    worker, so fill them here (the list's sorts read them)."""
    from siyu.segments.facts import facts_ready, fill_facts

    if not facts_ready():
        started = time.perf_counter()
        fill_facts()
        print(f"segment facts filled in {time.perf_counter() - started:.1f}s")


def timed(fn: Callable[[], Any], rounds: int = ROUNDS) -> tuple[float, float]:
    fn()  # warm caches and the connection
    samples = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def views() -> dict[str, Callable[[], Any]]:
    """Whole views per role (queries and template); the export up to its first rows."""
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory

    from siyu.console.views.customer_export import customer_export
    from siyu.console.views.customers import customer_list
    from siyu.console.views.today import today_page

    factory, users = RequestFactory(), get_user_model().objects

    def view_as(view: Callable[..., Any], path: str, username: str) -> Callable[[], Any]:
        user = users.get(username=username)

        def run() -> None:
            request = factory.get(path)
            request.user = user
            response = view(request)
            assert response.status_code == 200
            if response.streaming:  # header, then the first chunk of rows
                pieces = iter(response.streaming_content)
                next(pieces)
                next(pieces, None)

        return run

    out: dict[str, Callable[[], Any]] = {}
    for role, name in ROLES:
        out[f"first screen as {role}"] = view_as(today_page, "/", name)
        out[f"list view as {role}"] = view_as(customer_list, "/customers/", name)
        out[f"export first rows as {role}"] = view_as(customer_export, "/customers/e.csv", name)
    return out


def baselines() -> dict[str, Callable[[], Any]]:
    import screen_baseline as old
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    out: dict[str, Callable[[], Any]] = {}
    for role, name in ROLES:
        user = users.get(username=name)
        out[f"baseline first screen as {role}"] = partial(old.old_day, user)
        out[f"baseline list total as {role}"] = partial(old.old_list_total, user)
    sales = users.get(username="chen.jing")
    out["baseline whole export as sales"] = partial(old.old_export, sales)
    out["baseline sort by spend (order aggregate)"] = orders_sort(users.get(username="lin.yue"))
    return out


def orders_sort(admin: Any) -> Callable[[], Any]:
    """The sort by spend as it ran before the segment facts: aggregating every order."""
    from siyu.console import list_order
    from siyu.console.queries import CustomerFilter

    def run() -> Any:
        ready = getattr(list_order, "facts_ready")  # noqa: B009 - patched for the run
        setattr(list_order, "facts_ready", lambda: False)  # noqa: B010
        try:
            return list_order.sorted_customer_page(admin, CustomerFilter(), "spend")
        finally:
            setattr(list_order, "facts_ready", ready)  # noqa: B010

    return run


def page_360_view(pk: int) -> Callable[[], Any]:
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory

    from siyu.console.views.customers import customer_detail

    user = get_user_model().objects.get(username="lin.yue")

    def run() -> None:
        request = RequestFactory().get(f"/customers/{pk}/")
        request.user = user
        assert customer_detail(request, pk).status_code == 200

    return run


def scenarios(with_sorts: bool) -> dict[str, Callable[[], Any]]:
    from django.contrib.auth import get_user_model
    from django.db.models import Prefetch

    from siyu.console import customer360 as c360
    from siyu.console.list_order import sorted_customer_page
    from siyu.console.queries import CustomerFilter, customer_page, filtered_customers
    from siyu.customers.models import CustomerTag, Tag
    from siyu.demo.personas import SHARED_STORE_PHONE

    users = get_user_model().objects
    admin, sales = users.get(username="lin.yue"), users.get(username="chen.jing")
    ids = list(
        filtered_customers(admin, CustomerFilter())
        .order_by("-pk")
        .values_list("pk", flat=True)[::1000]
    )
    deep_before = ids[int(len(ids) * 0.9)]
    deep_offset = int(len(ids) * 0.9) * 1000
    tag = Tag.objects.get(group__name="渠道", name="抖音视频")
    owner = sales.staff.pk
    suffix = SHARED_STORE_PHONE[-4:]
    sample = ids[len(ids) // 3]

    def offset_page() -> list[Any]:
        links = CustomerTag.objects.select_related("tag")
        qs = filtered_customers(admin, CustomerFilter()).select_related("primary_owner")
        qs = qs.prefetch_related(Prefetch("tag_links", queryset=links)).order_by("-pk")
        return list(qs[deep_offset : deep_offset + 51])

    def page_360() -> None:
        customer, _ = c360.find_customer(admin, sample)
        assert customer is not None
        c360.identity_rows(customer)
        c360.tag_links(customer)
        c360.follows(customer)
        c360.consents(customer)
        c360.timeline(customer)

    sorts: dict[str, Callable[[], Any]] = {
        "list sort by last order": lambda: sorted_customer_page(
            admin, CustomerFilter(), "last_order"
        ),
        "list sort by spend": lambda: sorted_customer_page(admin, CustomerFilter(), "spend"),
        "list sort by spend as sales": lambda: sorted_customer_page(
            sales, CustomerFilter(), "spend"
        ),
        "list sort by spend, deep page": lambda: sorted_customer_page(
            admin, CustomerFilter(before=deep_before), "spend"
        ),
    }
    return {
        **views(),
        **(sorts if with_sorts else {}),
        "360 page view as HQ": page_360_view(sample),
        "list first page": lambda: customer_page(admin, CustomerFilter()),
        "list deep page (keyset)": lambda: customer_page(admin, CustomerFilter(before=deep_before)),
        "list tag filter": lambda: customer_page(admin, CustomerFilter(tag_id=tag.pk)),
        "list owner filter": lambda: customer_page(admin, CustomerFilter(owner_id=owner)),
        "list phone suffix": lambda: customer_page(admin, CustomerFilter(q=suffix)),
        "list as sales staff": lambda: customer_page(sales, CustomerFilter()),
        "360 page": page_360,
        "baseline deep page (OFFSET)": offset_page,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="50,000 customers")
    parser.add_argument("--reuse", action="store_true", help="reuse an existing database")
    parser.add_argument("--sorts", action="store_true", help="time the aggregate sorts too")
    args = parser.parse_args()
    customers = 50_000 if args.quick else args.customers
    setup(customers, args.reuse)
    build_s = build(customers)
    fill_facts_once()
    with_sorts = args.sorts or customers <= 200_000
    results = {name: timed(fn) for name, fn in scenarios(with_sorts).items()}
    results |= {name: timed(fn, SLOW_ROUNDS) for name, fn in baselines().items()}
    from django.db import connection

    from siyu.customers.models import Order

    print(
        f"\n{connection.vendor}, {customers:,} customers"
        + (f", built in {build_s:.0f}s" if build_s else "")
    )
    print(f"{'query':36} {'p50 ms':>8} {'p95 ms':>8}")
    for name, (p50, p95) in results.items():
        print(f"{name:36} {p50:8.1f} {p95:8.1f}")
    lists = [v for k, v in results.items() if k.startswith("list") and "sort by" not in k]

    def worst(prefix: str) -> float:
        return round(max(p95 for k, (_, p95) in results.items() if k.startswith(prefix)), 2)

    sorts = [v for k, v in results.items() if "sort by" in k and not k.startswith("baseline")]
    figures = {
        "bench": "customer_list",
        "customers": customers,
        "orders": Order.objects.count(),
        "database": connection.vendor,
        "build_s": round(build_s, 1) if build_s else None,
        "list_p50_ms": round(statistics.median(p50 for p50, _ in lists), 2),
        "list_p95_ms": round(max(p95 for _, p95 in lists), 2),
        "list_view_p95_ms": worst("list view"),
        "c360_p95_ms": round(results["360 page"][1], 2),
        "c360_view_p95_ms": worst("360 page view"),
        "first_screen_p95_ms": worst("first screen"),
        "first_screen_p95_ms_by_role": {
            role: round(results[f"first screen as {role}"][1], 2) for role, _ in ROLES
        },
        "export_first_rows_p95_ms": worst("export first rows"),
        "list_sorted_p95_ms": round(max(p95 for _, p95 in sorts), 2) if sorts else None,
        "baseline_sort_p95_ms": worst("baseline sort by spend"),
        "baseline_offset_p95_ms": round(results["baseline deep page (OFFSET)"][1], 2),
        "baseline_first_screen_p95_ms": worst("baseline first screen"),
        "baseline_list_total_p95_ms": worst("baseline list total"),
        "baseline_whole_export_ms": worst("baseline whole export"),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
