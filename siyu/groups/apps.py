from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    name = "siyu.groups"
    label = "groups"
    verbose_name = _("Customer groups")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from siyu.customers.merge_hooks import CustomerRows, register_customer_rows
        from siyu.customers.person_rows import Erase, export_rows
        from siyu.groups.models import GroupMember, MemberChange

        # Rows never clash (one per chat and WeCom id, not per profile): they all move. A
        # deleted person's memberships and joins go with her.
        register_customer_rows(
            CustomerRows(GroupMember, export=export_rows, erase=Erase.DELETE),
            CustomerRows(MemberChange, export=export_rows, erase=Erase.DELETE),
        )
