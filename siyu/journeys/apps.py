from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JourneysConfig(AppConfig):
    name = "siyu.journeys"
    label = "journeys"
    verbose_name = _("Journeys")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models import Q

        from siyu.customers.merge_hooks import CustomerRows, MergePolicy, register_customer_rows
        from siyu.customers.person_rows import Erase, export_rows
        from siyu.journeys import models as m
        from siyu.journeys.builtin import register_builtin
        from siyu.journeys.entries import register_move
        from siyu.journeys.group_steps import register_group_steps
        from siyu.journeys.staff_steps import register_staff_steps
        from siyu.worker.pollers import POLLERS

        # Enrollments move with a merge (two waiting rows of one journey: the newest waits
        # on; the other's history stays, finished); a deleted person leaves every journey.
        register_customer_rows(
            CustomerRows(
                m.Enrollment,
                MergePolicy.KEEP_NEWEST,
                key=("journey",),
                key_filter=Q(status="waiting", single=True),
                by="entered_at",
                export=export_rows,
                erase=Erase.DELETE,
            ),
        )
        register_builtin()
        register_staff_steps()
        register_group_steps()
        register_move()
        # Due steps fire within a second; the feed starts entries, ends waits, meets goals.
        POLLERS.setdefault("journeys_due", ("siyu.journeys.engine.poll_due", 0.5))
        POLLERS.setdefault("journeys_feed", ("siyu.journeys.feed.poll_changes", 0.5))
        POLLERS.setdefault("journeys_scheduled", ("siyu.journeys.scheduled.poll_scheduled", 30.0))
