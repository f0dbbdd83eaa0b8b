"""Loss alerts (流失提醒 / 删人提醒): a customer deleted her rep, or a rep deleted the
customer. The WeCom adapter records ``wecom_customer_deleted_staff`` (del_follow_user) and
``wecom_contact_deleted`` (del_external_contact) events with the staff's WeCom userid; the
change feed brings them here. One alert per event (its id is unique), then a notice to
the rep and her store's managers, planned after the alert commits.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.core.models import Role, Staff
from siyu.customers.models import Event
from siyu.workbench.models import LossAlert, LossKind
from siyu.workbench.notify import notify_staff

EVENT_KINDS = {
    "wecom_customer_deleted_staff": LossKind.CUSTOMER_LEFT,
    "wecom_contact_deleted": LossKind.STAFF_DELETED,
}
# WeCom reports a contact moved by an in-service transfer as deleted: not a loss.
TRANSFER_SOURCE = "DELETE_BY_TRANSFER"


def alert_for(event: Event) -> tuple[LossAlert, bool] | None:
    """The alert for a deletion event, made once: (alert, created), or None when the
    event is no loss (not a deletion, or a transfer)."""
    kind = EVENT_KINDS.get(event.type)
    if kind is None or event.properties.get("source") == TRANSFER_SOURCE:
        return None
    found = LossAlert.objects.filter(event_id=event.pk).first()
    if found is not None:
        return found, False
    user_id = event.properties.get("user_id")
    staff = Staff.objects.filter(wecom_userid=user_id).first() if user_id else None
    try:
        with transaction.atomic():
            alert = LossAlert.objects.create(
                customer_id=event.customer_id,
                staff=staff,
                kind=kind,
                occurred_at=event.occurred_at,
                event_id=event.pk,
            )
    except IntegrityError:
        return LossAlert.objects.get(event_id=event.pk), False
    return alert, True


def recipients(staff: Staff | None) -> list[int]:
    """The rep and the store managers of her store."""
    if staff is None:
        return []
    managers = Staff.objects.filter(
        org_unit_id=staff.org_unit_id, role=Role.STORE_MANAGER, is_active=True
    ).values_list("pk", flat=True)
    return sorted({staff.pk, *managers})


def notice_text(alert: LossAlert) -> str:
    names = {
        "customer": alert.customer.display_name or f"#{alert.customer_id}",
        "staff": alert.staff.display_name if alert.staff else "—",
    }
    if alert.kind == LossKind.CUSTOMER_LEFT:
        return _("Loss alert: %(customer)s deleted %(staff)s") % names
    return _("Deletion alert: %(staff)s deleted %(customer)s") % names


def notify_alert(alert: LossAlert) -> bool:
    """Plan the notice (outside any transaction); stamp the alert once planned."""
    if alert.notified_at is not None:
        return True
    sent = notify_staff(
        recipients(alert.staff), f"loss:{alert.pk}", notice_text(alert), about=alert.customer_id
    )
    if sent:
        LossAlert.objects.filter(pk=alert.pk).update(notified_at=timezone.now())
    return sent


def handle_event(event: Event) -> LossAlert | None:
    made = alert_for(event)
    if made is None:
        return None
    alert, _created = made
    notify_alert(alert)  # again after a lost run: the send log keeps it single
    return alert


def resolve_alert(alert_id: int) -> bool:
    """A manager has dealt with it (won the customer back, or let go)."""
    return bool(
        LossAlert.objects.filter(pk=alert_id, resolved_at__isnull=True).update(
            resolved_at=timezone.now()
        )
    )
