"""A CSV import writes through the bulk path, which fires no save signals: it must still
append change rows, so segments and journeys see imported people and orders."""

from __future__ import annotations

from typing import Any

import pytest

from siyu.customers.models import ChangeKind, Customer, CustomerChange
from siyu.imports.run import run_import_job
from siyu.imports.start import start_import

pytestmark = pytest.mark.django_db


def _import(kind: str, text: str) -> None:
    job = start_import(kind, "f.csv", text.encode(), skip_invalid=False, user=None)
    run_import_job(job.pk)


def test_imported_people_and_orders_enter_the_change_feed(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    _import("customers", "phone,display_name\n13900003333,甲\n13900004444,乙\n")
    people = set(Customer.objects.values_list("pk", flat=True))
    assert len(people) == 2
    fed = set(CustomerChange.objects.values_list("customer_id", flat=True))
    assert people <= fed
    _import(
        "orders",
        "platform,order_no,phone,paid_at,total_amount,paid_amount\n"
        "taobao,A1,13900003333,2024-05-01 10:00,10.00,10.00\n",
    )
    ordered = CustomerChange.objects.filter(kind=ChangeKind.ORDER)
    buyer = Customer.objects.get(pk__in=people, orders__order_no="A1")
    assert list(ordered.values_list("customer_id", flat=True)) == [buyer.pk]
