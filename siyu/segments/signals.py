"""After a change to a customer commits, enqueue one membership refresh for that customer.

Receivers live here, not in siyu.customers, so the customer verbs never import segments.
Saves within one transaction are gathered (a batch may write ten events for one person) and
flushed once on commit; a rolled-back transaction drops its callback, and the next save
starts a fresh batch because the old flush is no longer registered.
"""

from __future__ import annotations

import threading
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from siyu.customers.models import Consent, Customer, CustomerTag, Event, Order

_local = threading.local()
# Our own entry/exit events must not trigger another refresh of the same customer.
_OWN_EVENT_TYPES = frozenset({"segment_entered", "segment_exited"})


def _flush() -> None:
    pending: set[int] = getattr(_local, "pending", None) or set()
    _local.pending = None
    if not pending:
        return
    from siyu.segments.models import Segment
    from siyu.segments.tasks import refresh_segments_for_customer

    if not Segment.objects.filter(is_active=True).exists():
        return
    for customer_id in sorted(pending):
        refresh_segments_for_customer.enqueue(customer_id)


def _flush_registered() -> bool:
    connection = transaction.get_connection()
    return any(func is _flush for _sids, func, _robust in connection.run_on_commit)


def queue_customer_refresh(customer_id: int | None) -> None:
    if customer_id is None:
        return
    pending: set[int] | None = getattr(_local, "pending", None)
    if pending is not None and _flush_registered():
        pending.add(customer_id)
        return
    _local.pending = {customer_id}
    # Outside a transaction this runs at once; inside, after the outermost commit.
    transaction.on_commit(_flush, robust=True)


@receiver(post_save, sender=Event, dispatch_uid="segments_event_saved")
def _event_saved(sender: type[Event], instance: Event, created: bool, **kwargs: Any) -> None:
    if created and instance.type not in _OWN_EVENT_TYPES:
        queue_customer_refresh(instance.customer_id)


@receiver(post_save, sender=Order, dispatch_uid="segments_order_saved")
@receiver(post_save, sender=Consent, dispatch_uid="segments_consent_saved")
@receiver(post_save, sender=CustomerTag, dispatch_uid="segments_tag_saved")
@receiver(post_delete, sender=CustomerTag, dispatch_uid="segments_tag_deleted")
def _row_changed(sender: type[Any], instance: Any, **kwargs: Any) -> None:
    queue_customer_refresh(instance.customer_id)


@receiver(post_save, sender=Customer, dispatch_uid="segments_customer_saved")
def _customer_saved(sender: type[Customer], instance: Customer, **kwargs: Any) -> None:
    queue_customer_refresh(instance.pk)
