"""Tombstones: what stops a deleted person from coming back by accident.

The rule. A deletion stores a keyed hash of each of the person's identifiers (WeCom ids,
unionid, openids, Taobao/JD ids, and the blind index of her phone and email), nothing
else. Afterwards an observation carrying any of those identifiers is refused: a re-import
of her old Tmall row, a late WeCom callback (edit, tag, group join), an API upsert or a
mini-program login create nothing and write nothing about her. The one exception is the
person coming back on her own: a new WeCom add (``add_external_contact``) of her. That is
her act, so the tombstones of that deletion are lifted (all of them: she is a customer
again, and what she shows from then on links as for anyone) and a new, empty profile is
created. Nothing of the deleted profile comes back: its rows were erased.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.utils import timezone

from siyu.core.pii import blind_index, older_indexes
from siyu.customers.identity_rules import StoredKey
from siyu.privacy.models import Tombstone


def digest_of(type_: str, namespace: str, value: str) -> str:
    return blind_index("tombstone", f"{type_}\x00{namespace}\x00{value}")


def digests_of(key: StoredKey) -> list[str]:
    """Under every configured key, of every stored form: a tombstone laid before a key
    rotation still holds while the old key is listed in SIYU_PII_OLD_KEYS (the rotation
    cannot re-key it: a tombstone keeps no value to hash again)."""
    found = []
    for value in key.values:
        text = f"{key.type}\x00{key.namespace}\x00{value}"
        found += [blind_index("tombstone", text), *older_indexes("tombstone", text)]
    return found


def lay_tombstones(keys: Iterable[tuple[str, str, str]], erasure: int) -> int:
    now = timezone.now()
    rows = [Tombstone(digest=digest_of(*k), erasure=erasure, created_at=now) for k in keys]
    Tombstone.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


CHUNK = 2000


def _erasures_of(digests: list[str]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(digests), CHUNK):
        part = digests[start : start + CHUNK]
        found.update(Tombstone.objects.filter(digest__in=part).values_list("erasure", flat=True))
    return found


def tombstone_gate(keys: Sequence[StoredKey], returning: bool) -> bool:
    if not keys or not Tombstone.objects.exists():
        return False  # the common case (nobody deleted yet): one indexed read
    found = _erasures_of([d for k in keys for d in digests_of(k)])
    if not found:
        return False
    if returning:
        Tombstone.objects.filter(erasure__in=found).delete()
        return False
    return True
