"""Key rotation for SIYU_PII_KEY: every ciphertext re-encrypted, every blind index
recomputed, under the new key, while the product keeps running.

Before: SIYU_PII_KEY=<new>, SIYU_PII_OLD_KEYS=<old> on every process (rolling restart: a
process still on the old settings cannot read rows the command already moved, so restart
them all first). During: reads decrypt under either key and lookups try both blind
indexes (siyu/core/pii.py); writers move a row they touch to the new index. The command
walks each table in pk order, a chunk per transaction, and only picks rows not yet under
the new key, so an interrupted run simply runs again and continues. After it reports no
rows left, the old key can leave SIYU_PII_OLD_KEYS (keep it there as long as tombstones
laid before the rotation must hold, see siyu/privacy/tombstones.py).

What it walks: every ``EncryptedTextField``, every text column named ``*_encrypted``
(ciphertext written by hand, like an identity's value; personal identities get their
blind index recomputed in the same update) and the encrypted values inside merge
records' snapshots.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models import TextField
from django.db.models.functions import Cast

from siyu.core.fields import EncryptedTextField
from siyu.core.pii import blind_index, current_prefix, decrypt_pii, encrypt_pii
from siyu.customers.identity_rules import rule_for
from siyu.customers.merge import PII_FIELDS
from siyu.customers.models import Identity, MergeRecord

CHUNK = 500
Target = tuple[type[models.Model], str]


def targets() -> Iterator[Target]:
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, EncryptedTextField) or (
                isinstance(f, models.TextField) and f.name.endswith("_encrypted")
            ):
                yield model, f.name


def _stale(model: type[models.Model], field: str) -> models.QuerySet[Any]:
    manager: models.Manager[Any] = model._default_manager
    raw = manager.annotate(_raw=Cast(field, TextField()))
    stale: models.QuerySet[Any] = (
        raw.exclude(_raw="").exclude(_raw__isnull=True).exclude(_raw__startswith=current_prefix())
    )
    return stale


def _identity_update(pk: int, raw: str) -> dict[str, Any]:
    plain = decrypt_pii(raw)
    row = Identity.objects.values_list("type", flat=True).get(pk=pk)
    update: dict[str, Any] = {"value_encrypted": encrypt_pii(plain)}
    if rule_for(row).pii:
        update["value"] = blind_index(row, plain)
    return update


def _rotate_chunk(model: type[models.Model], field: str, rows: list[tuple[int, str]]) -> None:
    manager = model._default_manager
    encrypted = isinstance(model._meta.get_field(field), EncryptedTextField)
    for pk, raw in rows:
        if encrypted:  # the field encrypts on the way in: give it the plaintext
            manager.filter(pk=pk).update(**{field: decrypt_pii(raw)})
        elif model is Identity and field == "value_encrypted":
            manager.filter(pk=pk).update(**_identity_update(pk, raw))
        else:
            manager.filter(pk=pk).update(**{field: encrypt_pii(decrypt_pii(raw))})


def rotate_column(model: type[models.Model], field: str, *, chunk: int, chunks: int | None) -> int:
    done, last, runs = 0, 0, 0
    while chunks is None or runs < chunks:
        with transaction.atomic():
            rows = list(
                _stale(model, field)
                .filter(pk__gt=last)
                .order_by("pk")
                .select_for_update()
                .values_list("pk", "_raw")[:chunk]
            )
            if not rows:
                break
            _rotate_chunk(model, field, rows)
        done, last, runs = done + len(rows), rows[-1][0], runs + 1
    return done


def _snapshot_is_stale(before: dict[str, Any]) -> bool:
    prefix = current_prefix()
    return any(before.get(f) and not str(before[f]).startswith(prefix) for f in PII_FIELDS)


def rotate_merge_snapshots(*, chunk: int, chunks: int | None) -> int:
    done, last, runs = 0, 0, 0
    while chunks is None or runs < chunks:
        with transaction.atomic():
            records = list(
                MergeRecord.objects.filter(pk__gt=last).order_by("pk").select_for_update()[:chunk]
            )
            if not records:
                break
            for record in records:
                if _snapshot_is_stale(record.survivor_before):
                    before = dict(record.survivor_before)
                    for f in PII_FIELDS:
                        if before.get(f):
                            before[f] = encrypt_pii(decrypt_pii(before[f]))
                    MergeRecord.objects.filter(pk=record.pk).update(survivor_before=before)
                    done += 1
        last, runs = records[-1].pk, runs + 1
    return done


def rotate_all(*, chunk: int = CHUNK, chunks: int | None = None) -> dict[str, int]:
    """Rows moved to the current key per column. ``chunks`` stops each column after that
    many chunks (an interruption, for tests)."""
    report = {
        f"{m._meta.label}.{f}": rotate_column(m, f, chunk=chunk, chunks=chunks)
        for m, f in targets()
    }
    report["customers.MergeRecord.survivor_before"] = rotate_merge_snapshots(
        chunk=chunk, chunks=chunks
    )
    return report


def remaining() -> dict[str, int]:
    """Rows not yet under the current key, per column (0 everywhere: the old key may go)."""
    left = {f"{m._meta.label}.{f}": _stale(m, f).count() for m, f in targets()}
    left["customers.MergeRecord.survivor_before"] = sum(
        1
        for b in MergeRecord.objects.values_list("survivor_before", flat=True)
        if _snapshot_is_stale(b)
    )
    return left
