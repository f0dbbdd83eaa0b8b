from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "siyu.privacy"
    label = "privacy"
    verbose_name = _("Privacy")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from siyu.customers.gates import register_gate
        from siyu.customers.merge_hooks import CustomerRows, register_customer_rows
        from siyu.customers.person_rows import Erase, export_rows
        from siyu.privacy.models import PrivacyRequest
        from siyu.privacy.tombstones import tombstone_gate

        # The request stays after a deletion: it is the proof the brand answered.
        register_customer_rows(CustomerRows(PrivacyRequest, export=export_rows, erase=Erase.STUB))
        register_gate(tombstone_gate)

        from siyu.privacy.kinds import register_rules

        register_rules()

        from siyu.worker.schedule import SCHEDULE

        SCHEDULE.setdefault("privacy_retention", ("siyu.privacy.tasks.apply_retention", 86400))
