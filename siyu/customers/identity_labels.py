"""What each identifier type is called on a page (the stored type is a key, not a word)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

IDENTITY_LABELS = {
    "wecom_external_userid": gettext_lazy("WeCom contact"),
    "wechat_unionid": gettext_lazy("WeChat UnionID"),
    "wechat_openid": gettext_lazy("Official account OpenID"),
    "miniprogram_openid": gettext_lazy("Mini-program OpenID"),
    "app_user_id": gettext_lazy("App user ID"),
    "phone": gettext_lazy("Phone"),
    "email": gettext_lazy("Email"),
    "taobao_buyer_id": gettext_lazy("Taobao buyer"),
    "jd_pin": gettext_lazy("JD PIN"),
    "store_member_no": gettext_lazy("Store member no."),
}


def identity_label(kind: str) -> str:
    return str(IDENTITY_LABELS.get(kind, kind))
