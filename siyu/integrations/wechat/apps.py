from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WechatConfig(AppConfig):
    name = "siyu.integrations.wechat"
    label = "wechat"
    verbose_name = _("WeChat")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from siyu.integrations.wechat.template import OaTemplateTransport
        from siyu.messaging.models import Channel
        from siyu.messaging.transport import register_transport

        register_transport(Channel.OA_TEMPLATE, OaTemplateTransport)
        from siyu.content.readers import AUTHORIZE
        from siyu.integrations.wechat.oauth import authorize_url

        if authorize_url not in AUTHORIZE:
            AUTHORIZE.append(authorize_url)
