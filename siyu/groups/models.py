"""Customer groups (社群): the brand's WeCom customer group chats, as last seen by a sync.

Community operations (topics, deals, activity per group) will be built on these rows; the
WeCom adapter only fills them through ``chats.py``.
"""

from __future__ import annotations

from django.db import models


class GroupChat(models.Model):
    chat_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True, default="")
    owner_userid = models.CharField(max_length=64, blank=True, default="")
    member_count = models.PositiveIntegerField(default=0)
    status = models.PositiveSmallIntegerField(default=0)
    synced_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name or self.chat_id
