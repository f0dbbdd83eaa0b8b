"""Why a claim, draw, join or purchase was refused: a stable code for clients and a
message in the customer's language."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MESSAGES: dict[str, Promise] = {
    "not_published": _("This campaign is not running."),
    "not_started": _("This campaign has not started yet."),
    "ended": _("This campaign has ended."),
    "sold_out": _("All of them have been taken."),
    "person_limit": _("You have already taken as many as one person may."),
    "period_limit": _("You have taken as many as one person may in this period; come back later."),
    "no_code": _("No coupon has this code."),
    "not_yours": _("This coupon is not yours or is no longer available."),
    "expired": _("This coupon has expired."),
    "draws_today": _("You have used today's draws; come back tomorrow."),
    "draws_total": _("You have used all your draws."),
    "group_closed": _("This group is no longer open."),
    "group_full": _("This group is full."),
    "already_joined": _("You are already in this group."),
    "no_person": _("We could not tell who you are."),
    "not_ended": _("The seed is published when the lottery has ended."),
}


class Refused(Exception):
    """A verb refused; nothing was written. ``code`` is one of ``MESSAGES``."""

    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        self.message = message if message is not None else str(MESSAGES[code])
        super().__init__(self.message)
