"""One definition per word: the text every page shows next to a figure of that name, so
the same word never stands for two different numbers."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

DEFINITIONS: dict[str, Any] = {
    "users": _(
        "Users: customers acquired by the end of the period (acquisition time = the earliest "
        "order, event or identifier we know of, or the time an import gave)."
    ),
    "paying_conversion": _(
        "Paying conversion: customers who paid in the period ÷ users. The GMV tree's "
        "conversion factor is the same number."
    ),
    "ever_paid_share": _(
        "Share ever paid: users who have paid at least once by the end of the period ÷ users."
    ),
    "gmv": _("GMV: amounts paid in the period minus what was refunded on those orders."),
    "churn": _(
        "Churn: buyers of the previous period of the same length who did not buy in this one."
    ),
    "open_rate": _(
        "Open and click rates: opened (clicked) messages ÷ messages sent in the period; shown "
        "once something in the product records opens and clicks."
    ),
}


def notes(*words: str) -> list[str]:
    return [str(DEFINITIONS[w]) for w in words]
