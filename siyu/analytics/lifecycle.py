"""The private domain's lifecycle stage (cold start → acquisition → activation → revenue →
retention, with churn watched throughout) and the metrics each stage watches.

The stage is the first one whose watched metric is below its bar: there is no point tuning
repurchase while the pool is too small to learn from, or AOV while new customers never
place a first order. Bars are defaults an operator may override.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from siyu.analytics.activity import Health


@dataclass(frozen=True)
class Bars:
    cold_start_pool: int = 500  # below this many customers, learn before you scale
    acquisition_growth: float = 0.05  # new customers in the period / pool
    activation: float = 0.2  # share of the pool that has ever paid
    churn: float = 0.6  # more than this share of last period's buyers lost
    retention_frequency: float = 1.2  # active days per active customer


@dataclass(frozen=True)
class Stage:
    key: str
    metrics: dict[str, float] = field(default_factory=dict)
    healthy: bool = True


STAGES = ("cold_start", "acquisition", "activation", "revenue", "retention", "churn")


def stages(h: Health, bars: Bars | None = None) -> list[Stage]:
    b = bars or Bars()
    growth = h.new_customers / h.customers if h.customers else 0.0
    return [
        Stage("cold_start", {"customers": h.customers}, h.customers >= b.cold_start_pool),
        Stage(
            "acquisition",
            {"new_customers": h.new_customers, "growth": growth},
            growth >= b.acquisition_growth,
        ),
        Stage(
            "activation",
            {"ever_paid_share": h.ever_paid_share},
            h.ever_paid_share >= b.activation,
        ),
        Stage("revenue", {"gmv_fen": h.gmv_fen, "arpu_fen": h.arpu_fen, "arppu_fen": h.arppu_fen}),
        Stage(
            "retention",
            {
                "activity_frequency": h.activity_frequency,
                "payment_cycle_days": h.payment_cycle_days or 0.0,
                **({"open_rate": h.open_rate} if h.open_rate is not None else {}),
            },
            h.active_customers == 0 or h.activity_frequency >= b.retention_frequency,
        ),
        Stage(
            "churn",
            {"churn_rate": h.churn_rate, "unfollow_rate": h.unfollow_rate},
            h.churn_rate <= b.churn,
        ),
    ]


def current_stage(h: Health, bars: Bars | None = None) -> str:
    """The first stage that is not healthy; churn counts first when it is out of bounds,
    since losing customers undoes every other stage."""
    all_stages = stages(h, bars)
    if not all_stages[-1].healthy:
        return "churn"
    for stage in all_stages[:-1]:
        if not stage.healthy:
            return stage.key
    return "revenue"
