"""Acquisition time on the profile, back-filled from what the database already knows: the
earliest of the profile's creation, its first order and its first event."""

from typing import Any

from django.db import migrations, models
from django.db.models import F, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce, Least


def backfill_first_seen_at(apps: Any, schema_editor: Any) -> None:
    Customer = apps.get_model("customers", "Customer")
    Order = apps.get_model("customers", "Order")
    Event = apps.get_model("customers", "Event")

    def earliest(model: Any, column: str) -> Coalesce:
        first = (
            model.objects.filter(customer_id=OuterRef("pk"))
            .values("customer_id")
            .annotate(m=Min(column))
            .values("m")
        )
        # Least() is NULL on SQLite when any argument is: fall back to created_at.
        return Coalesce(Subquery(first), F("created_at"))

    Customer.objects.update(
        first_seen_at=Least(
            F("created_at"), earliest(Order, "paid_at"), earliest(Event, "occurred_at")
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="first_seen_at",
            field=models.DateTimeField(
                blank=True, db_index=True, null=True, verbose_name="acquired at"
            ),
        ),
        migrations.RunPython(backfill_first_seen_at, migrations.RunPython.noop),
    ]
