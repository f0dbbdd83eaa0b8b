"""Follow-up notes (跟进记录): what a rep wrote after a conversation; shown on the 360 page
and in the sidebar."""

from __future__ import annotations

from siyu.core.models import Staff
from siyu.workbench.models import FollowNote

MAX_NOTE = 1000


def add_note(customer_id: int, staff: Staff | None, text: str, *, task_id: int | None = None) -> FollowNote:  # fmt: skip
    text = text.strip()
    if not text:
        raise ValueError("an empty note")
    return FollowNote.objects.create(
        customer_id=customer_id, staff=staff, text=text[:MAX_NOTE], task_id=task_id
    )
