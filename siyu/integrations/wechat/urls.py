from __future__ import annotations

from django.urls import path

from siyu.integrations.wechat.oa import push
from siyu.integrations.wechat.oauth import oauth_back

app_name = "wechat"
urlpatterns = [
    path("oa/push/", push, name="oa_push"),
    path("oauth/back/", oauth_back, name="oauth_back"),
]
