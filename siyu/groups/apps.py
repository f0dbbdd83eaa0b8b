from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    name = "siyu.groups"
    label = "groups"
    verbose_name = _("Customer groups")
    default_auto_field = "django.db.models.BigAutoField"
