"""Hooks for the rest of the WeCom adapter (welcome messages, channel attribution).

``contact_added`` is sent once per processed add event, **after** the transaction that
recorded it commits, with keyword arguments:
``corp_id, user_id, external_user_id, staff (Staff | None), customer, state, welcome_code,
change_type, inbox_id, occurred_at``. The welcome code is only valid for 20 s after the
event, so receivers should send (or enqueue on a fast queue) immediately.
"""

from __future__ import annotations

from django.dispatch import Signal

contact_added = Signal()
