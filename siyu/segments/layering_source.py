"""Where the layering page, its CSVs and the API read their buyers.

Layers of "now" for a brand-wide viewer or an org-unit subtree (HQ, a store manager) come
from the analytic read model's buyers (``layering_columns``), read once per request. The
SQL of ``layering.py`` stays the path for a past as-of date (it needs the orders paid by
then), for a sales member's own customers (not an org-unit set), and whenever the read
model is switched off (``SIYU_ANALYTICS_READ_MODEL = False``) or not built yet (a shared
ClickHouse before the worker's first build); it reads the order facts once they are
filled, the orders themselves before that or for a past date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any

from django.db.models import QuerySet

from siyu.analytics.readmodel.scope import Filter, read_filter
from siyu.analytics.views.source import Source, read_model_source
from siyu.core.roles import User, is_hq
from siyu.customers.models import Customer
from siyu.customers.scope import visible_customers
from siyu.segments import layering
from siyu.segments import layering_columns as columns
from siyu.segments.facts import facts_ready
from siyu.segments.thresholds import Thresholds


@dataclass
class Layering:
    thresholds: Thresholds
    now: datetime
    past: bool  # measured at the end of an as-of date, from the orders paid by then
    scope: QuerySet[Customer] | None  # the SQL path's viewer scope; None: brand-wide
    facts: bool  # the SQL path reads the order facts
    source: Source  # the read model (engine, filter, state), or none: the SQL path

    @cached_property
    def _buyers(self) -> columns.Buyers | None:
        if self.source.engine is None:
            return None
        return columns.read_buyers(self.source.engine, self.source.filter)

    def layers(self) -> list[layering.LayerRow]:
        if (b := self._buyers) is not None:
            return columns.rfm_layers(b, self.thresholds, self.now)
        return layering.rfm_layers(self.thresholds, self.now, self.scope, facts=self.facts)

    def scores(self) -> list[layering.CustomerScore]:
        if (b := self._buyers) is not None:
            return columns.rfm_scores(b, self.thresholds, self.now)
        return layering.rfm_scores(self.thresholds, self.now, self.scope, facts=self.facts)

    def matrix(self) -> list[layering.MatrixCell]:
        if (b := self._buyers) is not None:
            return columns.value_lifecycle_matrix(b, self.thresholds, self.now)
        t, scope = self.thresholds, self.scope
        return layering.value_lifecycle_matrix(t, self.now, scope, facts=self.facts)

    def matrix_rows(self) -> list[tuple[int, str, str, int]]:
        if (b := self._buyers) is not None:
            return columns.matrix_rows(b, self.thresholds, self.now)
        return layering.matrix_rows(self.thresholds, self.now, self.scope, facts=self.facts)

    def pareto(self, percents: list[int] | None = None) -> layering.Pareto:
        if (b := self._buyers) is not None:
            return columns.pareto_curve(b, percents)
        as_of = self.now if self.past else None
        return layering.pareto_curve(self.scope, percents, as_of=as_of, facts=self.facts)

    def table(self, name: str) -> Any:
        """The per-customer table ("rfm" or "matrix") as Arrow columns, when read from the
        read model (None on the SQL path)."""
        if (b := self._buyers) is None:
            return None
        make = columns.scores_table if name == "rfm" else columns.matrix_table
        return make(b, self.thresholds, self.now)

    def freshness(self) -> str:
        return self.source.freshness() if self.source.engine is not None else ""


def layering_for(
    thresholds: Thresholds, as_of: date | None, now: datetime, user: User | None = None
) -> Layering:
    """Layering as ``user`` may see it (None: brand-wide, an integration key), measured
    at ``now`` (the end of ``as_of`` when given)."""
    brand_wide = user is None or is_hq(user)
    scope = None if brand_wide else visible_customers(user)
    past = as_of is not None
    found = None if past else (Filter(None) if brand_wide else read_filter(user, None))
    facts = not past and facts_ready()
    return Layering(thresholds, now, past, scope, facts, read_model_source(found))
