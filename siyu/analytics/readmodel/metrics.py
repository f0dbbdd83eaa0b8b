"""The dashboards' figures on the read model: the same definitions as the ORM reference
(gmv.py, activity.py), written once for every engine (engines.py). Tests hold the two
equal on random data (tests/test_readmodel_equal.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from siyu.analytics.dimensions import CHANNEL_GROUP, NO_CHANNEL, child_units, rollup_unit
from siyu.analytics.gmv import EMPTY, Dimension, GmvFactors
from siyu.analytics.periods import Period
from siyu.analytics.readmodel.engines import Engine
from siyu.analytics.readmodel.scope import Filter, day_number
from siyu.core.models import OrgUnit
from siyu.customers.models import Tag


def _days(period: Period) -> dict[str, int]:
    return {"start": day_number(period.start), "end": day_number(period.end)}


def gmv_factors(engine: Engine, f: Filter, period: Period) -> GmvFactors:
    users = engine.rows(
        f"SELECT COUNT(*) FROM rm_customers WHERE acq_day < :end AND {f.sql()}",  # noqa: S608
        {"end": day_number(period.end)},
    )[0][0]
    orders, buyers, gmv = engine.rows(
        "SELECT COUNT(*), COUNT(DISTINCT customer_id), COALESCE(SUM(net_fen), 0) "  # noqa: S608
        f"FROM rm_orders WHERE paid_day >= :start AND paid_day < :end AND {f.sql()}",
        _days(period),
    )[0]
    return GmvFactors(int(users), int(buyers), int(orders), int(gmv))


def channel_names() -> dict[int, str]:
    return dict(Tag.objects.filter(group__name=CHANNEL_GROUP).values_list("pk", "name"))


def gmv_factors_by(
    engine: Engine, f: Filter, period: Period, dimension: Dimension, unit: OrgUnit | None = None
) -> dict[str, GmvFactors]:
    """As gmv.gmv_factors_by: per channel name, or per child org unit of ``unit``."""
    column = "channel" if dimension == "channel" else "unit"
    users = engine.rows(
        f"SELECT {column}, COUNT(*) FROM rm_customers "  # noqa: S608
        f"WHERE acq_day < :end AND {f.sql()} GROUP BY {column}",
        {"end": day_number(period.end)},
    )
    orders = engine.rows(
        f"SELECT {column}, COUNT(*), COUNT(DISTINCT customer_id), SUM(net_fen) "  # noqa: S608
        f"FROM rm_orders WHERE paid_day >= :start AND paid_day < :end AND {f.sql()} "
        f"GROUP BY {column}",
        _days(period),
    )
    if dimension == "channel":
        names = channel_names()

        def name_of(key: int) -> str:
            return names.get(int(key), NO_CHANNEL)
    else:
        units = child_units(unit)
        paths = dict(OrgUnit.objects.values_list("pk", "path"))

        def name_of(key: int) -> str:
            found = rollup_unit(paths.get(int(key)), units)
            return found.name if found else NO_CHANNEL

    out: dict[str, GmvFactors] = defaultdict(lambda: EMPTY)
    for key, n in users:
        out[name_of(key)] += GmvFactors(int(n), 0, 0, 0)
    for key, n_orders, n_buyers, gmv in orders:
        out[name_of(key)] += GmvFactors(0, int(n_buyers), int(n_orders), int(gmv or 0))
    return dict(sorted(out.items()))


@dataclass(frozen=True)
class OrderHealth:
    """The order- and event-based part of activity.Health."""

    customers: int
    new_customers: int
    buyers: int
    paying_customers: int
    gmv_fen: int
    churned: int
    previous_buyers: int
    payment_cycle_days: float | None
    active_customers: int
    active_days: int
    messages: dict[str, int]
    contacts_deleted: int


def _buyers(engine: Engine, f: Filter, period: Period) -> tuple[int, int, int, int]:
    """(buyers, previous period's buyers, churned, GMV)."""
    row = engine.rows(
        "SELECT COALESCE(SUM(b_now), 0), COALESCE(SUM(b_before), 0), "  # noqa: S608
        "COALESCE(SUM(CASE WHEN b_before = 1 AND b_now = 0 THEN 1 ELSE 0 END), 0), "
        "COALESCE(SUM(gmv), 0) FROM (SELECT customer_id, "
        "MAX(CASE WHEN paid_day >= :start THEN 1 ELSE 0 END) AS b_now, "
        "MAX(CASE WHEN paid_day < :start THEN 1 ELSE 0 END) AS b_before, "
        "SUM(CASE WHEN paid_day >= :start THEN net_fen ELSE 0 END) AS gmv "
        "FROM rm_orders WHERE paid_day >= :prev AND paid_day < :end "
        f"AND {f.sql()} GROUP BY customer_id) per_customer",
        {**_days(period), "prev": day_number(period.previous().start)},
    )[0]
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


def payment_cycle_days(
    engine: Engine, f: Filter, period: Period, lookback_days: int
) -> float | None:
    since = int((period.end_at - timedelta(days=lookback_days)).timestamp())
    # The gap to the customer's previous order, when that one is in the lookback too: what
    # a lag() over the lookback's orders gives (ties are 0 whichever comes first).
    value = engine.rows(
        f"SELECT {engine.median('paid_s - prev_paid_s')} FROM rm_orders "  # noqa: S608
        "WHERE paid_s >= :since AND paid_s < :until AND prev_paid_s >= :since "
        f"AND {f.sql()}",
        {"since": since, "until": int(period.end_at.timestamp())},
    )[0][0]
    return None if value is None else float(value) / 86400


def _activity(engine: Engine, f: Filter, period: Period) -> tuple[int, int]:
    """(active customers, active customer-days): any order or event in the period."""
    row = engine.rows(
        "SELECT COUNT(DISTINCT customer_id), COUNT(*) FROM (SELECT DISTINCT customer_id, d "  # noqa: S608
        "FROM (SELECT customer_id, paid_day AS d FROM rm_orders "
        f"WHERE paid_day >= :start AND paid_day < :end AND {f.sql()} "
        "UNION ALL SELECT customer_id, day AS d FROM rm_events "
        f"WHERE day >= :start AND day < :end AND {f.sql()}) days) pairs",
        _days(period),
    )[0]
    return int(row[0]), int(row[1])


def _events(
    engine: Engine, f: Filter, period: Period, types: tuple[str, ...], deleted: str
) -> tuple[dict[str, int], int]:
    counts = dict.fromkeys(types, 0)
    rows = engine.rows(
        "SELECT type, COUNT(*), COUNT(DISTINCT customer_id) FROM rm_events "  # noqa: S608
        f"WHERE day >= :start AND day < :end AND {f.sql()} GROUP BY type",
        _days(period),
    )
    gone = 0
    for kind, n, people in rows:
        if kind in counts:
            counts[kind] = int(n)
        if kind == deleted:
            gone = int(people)
    return counts, gone


def order_health(
    engine: Engine,
    f: Filter,
    period: Period,
    *,
    lookback_days: int,
    message_types: tuple[str, ...],
    deleted_type: str,
) -> OrderHealth:
    end = {"end": day_number(period.end), "start": day_number(period.start)}
    customers, new = engine.rows(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN acq_day >= :start THEN 1 ELSE 0 END), 0) "  # noqa: S608
        f"FROM rm_customers WHERE acq_day < :end AND {f.sql()}",
        end,
    )[0]
    # Customers whose first order was paid before the period's end: one row per buyer
    # (a distinct count over every order took 165 ms at 10M orders, this 3 ms).
    paying = engine.rows(
        "SELECT COUNT(*) FROM rm_buyers "  # noqa: S608
        f"WHERE first_paid_s < :until AND {f.sql()}",
        {"until": int(period.end_at.timestamp())},
    )[0][0]
    buyers, before, churned, gmv = _buyers(engine, f, period)
    active, active_days = _activity(engine, f, period)
    messages, deleted = _events(engine, f, period, message_types, deleted_type)
    return OrderHealth(
        customers=int(customers),
        new_customers=int(new),
        buyers=buyers,
        paying_customers=int(paying),
        gmv_fen=gmv,
        churned=churned,
        previous_buyers=before,
        payment_cycle_days=payment_cycle_days(engine, f, period, lookback_days),
        active_customers=active,
        active_days=active_days,
        messages=messages,
        contacts_deleted=deleted,
    )
