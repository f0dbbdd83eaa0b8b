"""The visual rule builder's form fields ↔ the rule tree of rules.py.

The builder posts flat fields, one set per node ``i``: ``n{i}-parent`` (the group it sits
in, empty for the root), ``n{i}-kind`` (``and``/``or`` or a condition kind), ``n{i}-not``
(how many NOTs wrap it, a checkbox in practice) and the condition's own values under
``n{i}-{kind}-{name}``. Children keep the order of their numbers. Money is typed in 元 and
dates are calendar days in the brand's zone; both become fen and aware moments here.
``tree_to_fields`` is the inverse, so a saved rule opens in the builder as it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from django.utils import timezone
from django.utils.translation import gettext as _

KEY = re.compile(r"^n(\d{1,4})-kind$")
MAX_NODES = 120
MAX_FEN = 10**12
GROUPS = ("and", "or")


class Fields(Protocol):
    def getlist(self, key: str, default: list[Any] | None = None) -> list[Any]: ...

    def get(self, key: str, default: Any = None) -> Any: ...

    def __iter__(self) -> Iterator[str]: ...


class BuilderError(ValueError):
    """``errors``: (node number or None, translated message)."""

    def __init__(self, errors: list[tuple[int | None, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(m for _, m in errors))


@dataclass
class Node:
    """One row of the builder, as the template draws it."""

    index: int | str  # "__i__" in the blank rows the script copies
    kind: str
    negate: int = 0
    values: dict[str, list[str]] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)

    @property
    def is_group(self) -> bool:
        return self.kind in GROUPS

    @property
    def profile_values(self) -> list[str]:
        """The chosen values of a profile condition (stored under the field's name)."""
        field_name = (self.values.get("field") or [""])[0]
        return self.values.get(field_name, [])


# ---- values in and out ------------------------------------------------------------


def yuan_text(fen: int) -> str:
    return f"{Decimal(fen) / 100:.2f}"


def fen_from_yuan(text: str) -> int:
    try:
        amount = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(_("“%(value)s” is not an amount in yuan") % {"value": text}) from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(_("amounts are yuan with at most two decimals, not negative"))
    fen = int(amount * 100)
    if fen > MAX_FEN:
        raise ValueError(_("the amount is too large"))
    return fen


def day_text(moment: datetime) -> str:
    return timezone.localtime(moment).date().isoformat()


def moment_from_day(text: str) -> datetime:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(_("“%(value)s” is not a date (YYYY-MM-DD)") % {"value": text}) from None
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def _int(text: str, what: str, low: int = 0, high: int = 10**9) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise ValueError(_("%(what)s must be a whole number") % {"what": what}) from None
    if not low <= value <= high:
        raise ValueError(
            _("%(what)s must be between %(low)d and %(high)d")
            % {"what": what, "low": low, "high": high}
        )
    return value


def _number(text: str, what: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise ValueError(_("%(what)s must be a number") % {"what": what}) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(_("%(what)s must be a number") % {"what": what})
    return value


def _window(text: str) -> int | None:
    return _int(text, _("the window in days"), 1, 3650) if text.strip() else None


def _nonempty(values: list[str], what: str) -> list[str]:
    kept = [v.strip() for v in values if v.strip()]
    if not kept:
        raise ValueError(_("choose at least one %(what)s") % {"what": what})
    return kept


def _split(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[,，、]", text) if p.strip()]


# ---- fields → condition -------------------------------------------------------------

Getter = Callable[[str], list[str]]


def _one(get: Getter, name: str) -> str:
    found = get(name)
    return str(found[0]) if found else ""


def _profile(get: Getter) -> dict[str, Any]:
    name = _one(get, "field") or "gender"
    if name == "region":
        values = _nonempty(_split(_one(get, "region")), _("region"))
    else:
        values = _nonempty(get(name), _("value"))
    return {"kind": "profile", "field": name, "values": values}


def _created(get: Getter) -> dict[str, Any]:
    found: dict[str, Any] = {"kind": "created"}
    for bound in ("after", "before"):
        if _one(get, bound).strip():
            found[bound] = moment_from_day(_one(get, bound)).isoformat()
    if _one(get, "within_days").strip():
        found["within_days"] = _int(_one(get, "within_days"), _("the number of days"), 1, 3650)
    if len(found) == 1:
        raise ValueError(_("give a start date, an end date or a number of days"))
    return found


def _birthday(get: Getter) -> dict[str, Any]:
    months = [_int(m, _("the month"), 1, 12) for m in _nonempty(get("months"), _("month"))]
    return {"kind": "birthday_month", "months": months}


def _ids(get: Getter, name: str, what: str) -> list[int]:
    return [_int(v, what, 1) for v in _nonempty(get(name), what)]


def _tags(get: Getter) -> dict[str, Any]:
    mode = _one(get, "mode") or "any"
    return {"kind": "tags", "mode": mode, "tag_ids": _ids(get, "tag_ids", _("tag"))}


def _identity(get: Getter) -> dict[str, Any]:
    found: dict[str, Any] = {"kind": "identity", "identity_type": _one(get, "identity_type")}
    if _one(get, "namespace").strip():
        found["namespace"] = _one(get, "namespace").strip()
    return found


def _event(get: Getter) -> dict[str, Any]:
    found: dict[str, Any] = {
        "kind": "event",
        "event_type": _one(get, "event_type").strip(),
        "measure": _one(get, "measure") or "count",
        "op": _one(get, "op") or ">=",
        "value": _number(_one(get, "value"), _("the value")),
    }
    if _one(get, "property").strip():
        found["property"] = _one(get, "property").strip()
    window = _window(_one(get, "window_days"))
    if window is not None:
        found["window_days"] = window
    return found


def _orders(get: Getter) -> dict[str, Any]:
    metric = _one(get, "metric") or "frequency"
    text = _one(get, "value")
    value = fen_from_yuan(text) if metric == "monetary" else _int(text, _("the value"))
    found: dict[str, Any] = {"kind": "orders", "metric": metric, "op": _one(get, "op") or ">="}
    window = _window(_one(get, "window_days"))
    if window is not None:
        found["window_days"] = window
    found["value"] = value
    return found


def _category(get: Getter) -> dict[str, Any]:
    found: dict[str, Any] = {"kind": "category", "category": _one(get, "category").strip()}
    window = _window(_one(get, "window_days"))
    if window is not None:
        found["window_days"] = window
    return found


def _channel(get: Getter) -> dict[str, Any]:
    return {"kind": "channel", "channels": _nonempty(get("channels"), _("channel"))}


def _owner(get: Getter) -> dict[str, Any]:
    return {"kind": "owner", "staff_ids": _ids(get, "staff_ids", _("staff member"))}


def _org_unit(get: Getter) -> dict[str, Any]:
    unit = _one(get, "org_unit_id")
    if not unit.strip():
        raise ValueError(_("choose a store or region"))
    return {"kind": "org_unit", "org_unit_id": _int(unit, _("the store"), 1)}


def _consent(get: Getter) -> dict[str, Any]:
    purpose = _one(get, "purpose") or "marketing"
    return {"kind": "consent", "purpose": purpose, "granted": _one(get, "granted") != "0"}


LEAVES: dict[str, Callable[[Getter], dict[str, Any]]] = {
    "profile": _profile,
    "created": _created,
    "birthday_month": _birthday,
    "tags": _tags,
    "identity": _identity,
    "event": _event,
    "orders": _orders,
    "category": _category,
    "channel": _channel,
    "owner": _owner,
    "org_unit": _org_unit,
    "consent": _consent,
}
