"""Write verbs for what the brand configures: create rules, tiers, plans and mall items,
publish and pause them. A rule is checked (``rules.check_rule``) before it is saved and
again when it is published."""

from __future__ import annotations

from django.db import models, transaction

from siyu.loyalty.models import EarningRule, MallItem, PaidPlan, Status, Tier
from siyu.loyalty.rules import check_rule, set_rule_status

Configurable = EarningRule | Tier | PaidPlan | MallItem


@transaction.atomic
def create_config(row: Configurable) -> Configurable:
    """Save a new rule, tier, plan or mall item as a draft; a rule is checked first."""
    if isinstance(row, EarningRule):
        check_rule(row)
    row.status = Status.DRAFT
    row.save()
    return row


@transaction.atomic
def set_config_status(row: Configurable, status: Status) -> Configurable:
    """Publish or pause; publishing a rule checks it again (``RuleRefused``)."""
    if isinstance(row, EarningRule):
        return set_rule_status(row, status)
    row.status = status
    row.save(update_fields=["status", "updated_at"])
    return row


CONFIG_MODELS: dict[str, type[models.Model]] = {
    "rule": EarningRule,
    "tier": Tier,
    "plan": PaidPlan,
    "item": MallItem,
}
