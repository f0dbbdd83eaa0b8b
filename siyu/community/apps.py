from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "siyu.community"
    label = "community"
    verbose_name = _("Community operations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from siyu.worker.schedule import SCHEDULE

        SCHEDULE.setdefault("community_plan_sop", ("siyu.community.tasks.plan_sop_posts", 3600))
        from siyu.community.models import GroupCheckIn, GroupJoin
        from siyu.customers.merge_hooks import CustomerRows, register_customer_rows
        from siyu.customers.person_rows import Erase, export_rows

        register_customer_rows(
            # A deleted person's code joins and check-ins go with her.
            CustomerRows(GroupJoin, export=export_rows, erase=Erase.DELETE),
            # One check-in per group and day: on a clash the survivor's stays.
            CustomerRows(
                GroupCheckIn,
                key=("chat", "day"),
                export=export_rows,
                erase=Erase.DELETE,
            ),
        )
