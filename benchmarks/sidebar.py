"""p50/p95 of the chat sidebar's customer panel at 100k customers, server-side, with the
customer 360 page for the same customers as the baseline in the same run.

    uv run python benchmarks/sidebar.py [--customers N | --quick] [--reuse]

Generates the brand's customers and orders in bulk (benchmarks/metrics.py's generator),
gives a third of them a WeCom external_userid, has 陈静 (sales, who sees only the
customers she follows) follow 5,000 of them, and puts 200 materials in the library. Each
request is the panel WeCom's client loads beside a chat (profile, tags, orders of every
platform, budget left, recommended scripts and materials) for a different customer, through
Django's test client as 陈静. Last line is JSON; the issue's target is p95 < 300 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from typing import Any

from bench_env import setup_django
from console_pages import p

FOLLOWED = 5_000
MATERIALS = 200


def build(n: int) -> list[tuple[int, str]]:
    """(customer id, external_userid) of the customers 陈静 follows."""
    import metrics
    import numpy as np
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from siyu.content.library import MaterialInput, save_material
    from siyu.content.models import Material, MaterialKind
    from siyu.core.bulk_rows import copy_rows
    from siyu.customers.models import Customer, CustomerFollow, Identity
    from siyu.demo.brand import build_brand

    call_command("migrate", interactive=False, verbosity=0)
    brand = build_brand()
    if not Customer.objects.exists():
        t = time.perf_counter()
        g = metrics.generate(n)
        metrics.load(n, g)
        wecom = np.arange(1, n + 1)[np.random.default_rng(3).random(n) < 0.33]
        m = len(wecom)
        cols, rows = metrics._rows(
            Identity,
            {
                "customer_id": wecom.tolist(),
                "type": ["wecom_external_userid"] * m,
                "namespace": [settings.SIYU_WECOM_CORP_ID] * m,
                "value": [f"wmB{i}" for i in wecom.tolist()],
                "source": ["bench"] * m,
                "created_at": metrics._stamp(np.zeros(m), connection.vendor),
            },
            m,
        )
        copy_rows("customers_identity", cols, rows, chunk=metrics.CHUNK)
        followed = wecom[:FOLLOWED].tolist()
        now = timezone.now()
        CustomerFollow.objects.bulk_create(
            [
                CustomerFollow(customer_id=c, staff=brand.chen_jing, created_at=now)
                for c in followed
            ],
            batch_size=2000,
        )
        print(f"built {n:,} customers in {time.perf_counter() - t:.0f}s", flush=True)
    if not Material.objects.exists():
        kinds = [MaterialKind.ARTICLE, MaterialKind.SCRIPT, MaterialKind.POSTER]
        for i in range(MATERIALS):
            kind = kinds[i % 3]
            url = f"https://brand.example.com/a/{i}" if kind == MaterialKind.ARTICLE else ""
            save_material(
                MaterialInput(title=f"素材{i}", kind=kind, url=url, text="{name} 您好",
                              tags=(f"标签{i % 20}",), media_key="p.png")
            )  # fmt: skip
    followers = Identity.objects.filter(
        type="wecom_external_userid",
        customer__follows__staff=brand.chen_jing,
    ).values_list("customer_id", "value")
    return list(followers[:FOLLOWED])


def time_urls(client: Any, urls: list[str]) -> list[float]:
    samples = []
    for url in urls:
        t = time.perf_counter()
        response = client.get(url, secure=True)
        samples.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="10k customers, under a minute")
    parser.add_argument("--reuse", action="store_true", help="keep an existing benchmark database")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    n = 10_000 if args.quick else args.customers
    setup_django(f"bench-sidebar-{n}", reuse=args.reuse)
    from django.test import Client

    from siyu.customers.models import Customer
    from siyu.demo.brand import build_brand

    followed = build(n)
    client = Client()
    client.force_login(build_brand().chen_jing.user)
    sample = random.Random(5).sample(followed, min(args.requests, len(followed)))
    panels = [f"/sidebar/customer/?external_userid={ext}" for _c, ext in sample]
    profiles = [f"/customers/{c}/" for c, _ext in sample]
    time_urls(client, panels[:5] + profiles[:5])  # warm the caches and the connection
    ours = time_urls(client, panels)
    base = time_urls(client, profiles)
    print(f"{'page':<28}{'p50 ms':>10}{'p95 ms':>10}")
    print(f"{'sidebar customer panel':<28}{p(ours, 50):>10.1f}{p(ours, 95):>10.1f}")
    print(f"{'customer 360 (baseline)':<28}{p(base, 50):>10.1f}{p(base, 95):>10.1f}")
    print(
        json.dumps(
            {
                "bench": "sidebar",
                "customers": Customer.objects.count(),
                "requests": len(ours),
                "p50_ms": round(p(ours, 50), 1),
                "p95_ms": round(p(ours, 95), 1),
                "baseline_360_p50_ms": round(p(base, 50), 1),
                "baseline_360_p95_ms": round(p(base, 95), 1),
                "target_p95_ms": 300,
            }
        )
    )


if __name__ == "__main__":
    main()
