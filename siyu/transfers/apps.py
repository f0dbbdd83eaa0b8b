from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransfersConfig(AppConfig):
    name = "siyu.transfers"
    label = "transfers"
    verbose_name = _("Customer transfers between staff")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from siyu.customers.merge_hooks import CustomerRows, register_customer_rows
        from siyu.customers.person_rows import Erase, export_rows
        from siyu.transfers.models import TransferItem

        # A transfer item is history of who handed whom over: it follows the person, and
        # goes with her (it names her WeCom id).
        register_customer_rows(CustomerRows(TransferItem, export=export_rows, erase=Erase.DELETE))
