"""Readable names for the event types the product writes; unknown types show as stored
(integrations may send their own)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

EVENT_LABELS: dict[str, Promise] = {
    "wecom_contact_added": _("Added on WeCom"),
    "wecom_contact_deleted": _("Deleted by staff on WeCom"),
    "wecom_customer_deleted_staff": _("Deleted the staff member on WeCom"),
    "wecom_contact_edited": _("WeCom contact edited"),
    "wecom_customer_transferred": _("Handed over to another staff member"),
    "wecom_transfer_failed": _("Handover failed"),
    "welcome_message_sent": _("Welcome message sent"),
    "onboarded": _("Onboarded"),
    "member_registered": _("Became a member"),
    "coupon_claim": _("Claimed a coupon"),
    "coupon_claimed": _("Claimed a coupon"),
    "page_view": _("Viewed a page"),
    "segment_entered": _("Entered a segment"),
    "segment_exited": _("Left a segment"),
    "oa_subscribed": _("Followed the official account"),
    "oa_unsubscribed": _("Unfollowed the official account"),
    "miniprogram_login": _("Logged in to the mini-program"),
    "message_sent": _("Message sent"),
    "message_opened": _("Message opened"),
    "message_clicked": _("Message clicked"),
}


def event_label(event_type: str) -> str:
    label = EVENT_LABELS.get(event_type)
    return str(label) if label is not None else event_type
