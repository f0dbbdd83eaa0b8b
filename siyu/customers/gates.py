"""Checks another app puts in front of profile creation, registered from its
``AppConfig.ready`` (customers never imports them).

The privacy app's tombstones are one: the identifiers of a deleted person must not
silently create her profile again from a re-import or a late callback. A gate sees the
stored keys of one observation (blind indexes for personal identifiers) and whether the
observation is the person coming back on her own (``returning``: a new WeCom add); it
returns True to refuse the observation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from siyu.customers.identity_rules import StoredKey

Gate = Callable[[Sequence[StoredKey], bool], bool]
GATES: list[Gate] = []


def register_gate(gate: Gate) -> None:
    if gate not in GATES:
        GATES.append(gate)


def refused(keys: Sequence[StoredKey], *, returning: bool = False) -> bool:
    return any(gate(keys, returning) for gate in GATES)
