"""Model fields that keep personal data encrypted in the database."""

from __future__ import annotations

from typing import Any

from django.db import models

from siyu.core.pii import decrypt_pii, encrypt_pii


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Plain text in Python, AES-GCM ciphertext in the database.

    Not searchable by design: exact lookups go through a blind index column beside it.
    """

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None:
            return None
        return decrypt_pii(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt_pii(str(value))
