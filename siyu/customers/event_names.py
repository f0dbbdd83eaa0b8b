"""Readable names of the event types the product writes, for every page that shows events
(the 360 timeline, segment conditions); unknown types show as stored."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

EVENT_LABELS: dict[str, Promise] = {
    "wecom_contact_added": gettext_lazy("Added on WeCom"),
    "wecom_contact_half_added": gettext_lazy("Added on WeCom (not yet accepted)"),
    "wecom_contact_deleted": gettext_lazy("Deleted by staff on WeCom"),
    "wecom_customer_deleted_staff": gettext_lazy("Deleted the staff member on WeCom"),
    "wecom_contact_edited": gettext_lazy("WeCom contact edited"),
    "wecom_customer_transferred": gettext_lazy("Handed over to another staff member"),
    "wecom_transfer_failed": gettext_lazy("Handover failed"),
    "wecom_group_joined": gettext_lazy("Joined a customer group"),
    "wecom_group_left": gettext_lazy("Left a customer group"),
    "group_joined": gettext_lazy("Joined a customer group"),
    "channel_code_scanned": gettext_lazy("Scanned a channel code"),
    "welcome_message_sent": gettext_lazy("Welcome message sent"),
    "onboarded": gettext_lazy("Onboarded"),
    "member_registered": gettext_lazy("Became a member"),
    "coupon_claim": gettext_lazy("Claimed a coupon"),
    "coupon_claimed": gettext_lazy("Claimed a coupon"),
    "page_view": gettext_lazy("Viewed a page"),
    "referral_shared": gettext_lazy("Shared with friends"),
    "segment_entered": gettext_lazy("Entered a segment"),
    "segment_exited": gettext_lazy("Left a segment"),
    "oa_subscribed": gettext_lazy("Followed the official account"),
    "oa_unsubscribed": gettext_lazy("Unfollowed the official account"),
    "miniprogram_login": gettext_lazy("Logged in to the mini-program"),
    "message_sent": gettext_lazy("Message sent"),
    "message_opened": gettext_lazy("Message opened"),
    "message_clicked": gettext_lazy("Message clicked"),
    "material_open": gettext_lazy("Read a material"),
    "task_done": gettext_lazy("Staff task closed"),
    "task_overdue": gettext_lazy("Staff task overdue"),
}


def event_label(event_type: str) -> str:
    label = EVENT_LABELS.get(event_type)
    return str(label) if label is not None else event_type
