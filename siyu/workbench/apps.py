from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkbenchConfig(AppConfig):
    name = "siyu.workbench"
    label = "workbench"
    verbose_name = _("Staff workbench")

    def ready(self) -> None:
        from siyu.content.models import Material
        from siyu.customers.merge_hooks import CustomerRows, register_customer_rows
        from siyu.customers.person_rows import Erase, export_rows
        from siyu.workbench import models as m
        from siyu.workbench.labels import register_lookup

        # Tasks, notes and alerts move to the survivor of a merge (her history with the
        # reps is one history). On deletion they go: titles and notes are free text about her.
        register_customer_rows(
            CustomerRows(m.Task, export=export_rows, erase=Erase.DELETE),
            CustomerRows(m.FollowNote, export=export_rows, erase=Erase.DELETE),
            CustomerRows(m.LossAlert, export=export_rows, erase=Erase.DELETE),
        )
        # "{material}" in a rule's task title: the material's title, not its number.
        register_lookup(
            "material_id",
            "material",
            lambda pk: Material.objects.filter(pk=pk).values_list("title", flat=True).first(),
        )

        from siyu.worker.pollers import POLLERS
        from siyu.worker.schedule import SCHEDULE

        # Rules and loss alerts react to the change feed; every worker polls, one holds
        # the lease.
        POLLERS.setdefault("workbench_feed", ("siyu.workbench.feed.poll_changes", 1.0))
        SCHEDULE.setdefault("workbench_sweep", ("siyu.workbench.jobs.sweep_tasks", 300))
        SCHEDULE.setdefault("workbench_birthdays", ("siyu.workbench.jobs.birthday_tasks", 3600))
