from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContentConfig(AppConfig):
    name = "siyu.content"
    label = "content"
    verbose_name = _("Content")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from siyu.content import models as m
        from siyu.customers.merge_hooks import CustomerRows, register_customer_rows
        from siyu.customers.person_rows import Erase, export_rows

        # Sends, links and reads move with a merge (none is held once per profile); a
        # deleted person's rows go, the material's counts keep only what is anonymous.
        register_customer_rows(
            CustomerRows(m.ContentSend, export=export_rows, erase=Erase.DELETE),
            CustomerRows(m.TrackedLink, export=export_rows, erase=Erase.DELETE),
            CustomerRows(m.LinkViewer, export=export_rows, erase=Erase.DELETE),
            CustomerRows(m.LinkOpen, export=export_rows, erase=Erase.DELETE),
        )
