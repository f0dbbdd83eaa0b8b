from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "siyu.referrals"
    label = "referrals"
    verbose_name = _("Referrals")

    def ready(self) -> None:
        from siyu.customers.merge_hooks import CustomerRows, MergePolicy, register_customer_rows
        from siyu.customers.person_rows import Erase, export_rows
        from siyu.referrals import models as m

        rows, stub, delete = export_rows, Erase.STUB, Erase.DELETE
        register_customer_rows(
            # A merged person keeps every code (both may be on posters) and every reward.
            CustomerRows(m.ReferralCode, export=rows, erase=delete),
            CustomerRows(m.Reward, export=rows, erase=stub),
            # One 任务宝 gift per person and programme: the earlier one stays.
            CustomerRows(
                m.TaskGift,
                policy=MergePolicy.KEEP_OLDEST,
                key=("programme",),
                by="created_at",
                export=rows,
                erase=stub,
            ),
            # Commissions are in the accounts: they move, and stay on the stub.
            CustomerRows(m.Commission, field="ambassador", export=rows, erase=stub),
        )

        from siyu.worker.pollers import POLLERS
        from siyu.worker.schedule import SCHEDULE

        POLLERS.setdefault("referrals_feed", ("siyu.referrals.feed.poll_changes", 1.0))
        SCHEDULE.setdefault("referrals_release", ("siyu.referrals.tasks.release_rewards", 600))
        SCHEDULE.setdefault("referrals_settle", ("siyu.referrals.tasks.settle_commissions", 3600))
        SCHEDULE.setdefault("referrals_sweep", ("siyu.referrals.tasks.sweep_rings", 3600))
