from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WecomClientConfig(AppConfig):
    """Tables the API client shares between processes: tokens, rate windows, media ids."""

    name = "siyu.integrations.wecom.client"
    label = "wecom_client"
    verbose_name = _("WeCom API client")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Hook onboarding (welcome, attribution) onto the callback processor's signal.
        from siyu.integrations.wecom import onboarding  # noqa: F401
