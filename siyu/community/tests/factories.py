"""Small builders for community tests: a group owned by a demo staff member."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from django.utils import timezone

from siyu.core.models import Staff
from siyu.customers.models import Customer
from siyu.groups.members import SeenMember, record_members
from siyu.groups.models import GroupChat

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a Monday
_seq = itertools.count(1)


def make_person(name: str = "") -> Customer:
    return Customer.objects.create(display_name=name or f"p{next(_seq)}", created_at=timezone.now())


def make_group(owner: Staff, members: list[Customer] = (), name: str = "") -> GroupChat:  # type: ignore[assignment]
    chat_id = f"wr{next(_seq):06d}"
    seen = [SeenMember(str(owner.wecom_userid), 1, 1)]
    seen += [SeenMember(f"wm{c.pk:06d}", 2, 3, T0, "", c.pk) for c in members]
    record_members(chat_id, seen)
    GroupChat.objects.filter(chat_id=chat_id).update(
        name=name or f"静安店福利{chat_id[-2:]}群", owner_userid=str(owner.wecom_userid)
    )
    return GroupChat.objects.get(chat_id=chat_id)
