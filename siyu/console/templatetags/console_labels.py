"""Internal values shown in words: identifier types, review flag details, merge reasons."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from siyu.customers.identity_labels import IDENTITY_LABELS

register = template.Library()


@register.filter
def identity_label(kind: str) -> str:
    return str(IDENTITY_LABELS.get(kind, kind))


@register.filter
def flag_detail(detail: dict[str, Any]) -> str:
    """A review flag's detail as a sentence, e.g. "手机号与 3 个淘宝买家同时出现"."""
    parts: list[str] = []
    if "seen_with" in detail:
        parts.append(
            _("seen with %(count)s different %(kind)s")
            % {"count": detail.get("distinct", ""), "kind": identity_label(detail["seen_with"])}
        )
    if "blocked_merge_with" in detail:
        parts.append(_("not merged with customer #%(pk)s") % {"pk": detail["blocked_merge_with"]})
    if "refused_by" in detail:
        parts.append(_("refused by %(app)s") % {"app": detail["refused_by"]})
    for key, count in (detail.get("over") or {}).items():
        parts.append(
            _("%(count)s × %(kind)s, more than one person has")
            % {"count": count, "kind": identity_label(str(key).split(":")[0])}
        )
    return _("; ").join(parts)


@register.filter
def merge_reason(reason: str) -> str:
    return _("Identity resolution") if reason == "identity resolution" else reason


CONDITION_LABELS = {
    "profile": gettext_lazy("Profile field"),
    "created": gettext_lazy("Profile created"),
    "birthday_month": gettext_lazy("Birthday month"),
    "tags": gettext_lazy("Tags"),
    "identity": gettext_lazy("Has identifier"),
    "event": gettext_lazy("Behaviour"),
    "orders": gettext_lazy("Orders"),
    "category": gettext_lazy("Bought category"),
    "channel": gettext_lazy("Channel"),
    "owner": gettext_lazy("Owner"),
    "org_unit": gettext_lazy("Org unit"),
    "consent": gettext_lazy("Consent"),
}


@register.filter
def condition_label(kind: str) -> str:
    """A segment condition's kind in words (the reason a customer is in a segment)."""
    return str(CONDITION_LABELS.get(kind, kind))
