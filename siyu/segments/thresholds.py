"""The operator's layering thresholds: validated, stored in one row, edited in the console."""

from __future__ import annotations

from typing import Annotated, Literal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, model_validator

from siyu.segments.models import LayeringSettings

Four = Annotated[list[Annotated[int, Field(ge=0)]], Field(min_length=4, max_length=4)]


class Thresholds(BaseModel):
    """RFM scores are 1–5: by quintile of the brand's buyers, or by fixed boundaries (a
    customer scores 1 + the number of boundaries reached). Value tiers and lifecycle states
    feed the value × lifecycle matrix."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rfm_mode: Literal["quintile", "fixed"] = "quintile"
    # Last order within these many days scores 5, 4, 3, 2 (so: strictly decreasing).
    recency_days: Four = [7, 30, 90, 180]
    frequency: Four = [2, 3, 5, 10]
    monetary_fen: Four = [10_000, 30_000, 100_000, 300_000]
    # A score at or above this counts as "high" for the named RFM layers.
    high_score: int = Field(default=3, ge=2, le=5)
    value_medium_fen: int = Field(default=30_000, ge=0)
    value_high_fen: int = Field(default=100_000, ge=0)
    new_days: int = Field(default=30, ge=1, le=3650)
    active_days: int = Field(default=90, ge=1, le=3650)
    churn_days: int = Field(default=180, ge=1, le=3650)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if sorted(set(self.recency_days)) != self.recency_days:
            raise ValueError(_("Recency days must increase, e.g. 7, 30, 90, 180"))
        if sorted(set(self.frequency)) != self.frequency:
            raise ValueError(_("Frequency boundaries must increase, e.g. 2, 3, 5, 10"))
        if sorted(set(self.monetary_fen)) != self.monetary_fen:
            raise ValueError(_("Monetary boundaries must increase"))
        if self.value_medium_fen >= self.value_high_fen:
            raise ValueError(_("The medium value tier must start below the high tier"))
        if not self.new_days <= self.active_days < self.churn_days:
            raise ValueError(_("New within days ≤ active within days < churned after days"))
        return self


def load_thresholds() -> Thresholds:
    row = LayeringSettings.objects.filter(key="default").first()
    return Thresholds.model_validate(row.thresholds) if row else Thresholds()


@transaction.atomic
def save_thresholds(
    thresholds: Thresholds, *, actor: AbstractBaseUser | AnonymousUser | None = None
) -> Thresholds:
    user = actor if isinstance(actor, AbstractBaseUser) else None
    LayeringSettings.objects.update_or_create(
        key="default", defaults={"thresholds": thresholds.model_dump(), "updated_by": user}
    )
    return thresholds
