from __future__ import annotations

from django.urls import path

from siyu.integrations.wechat.oa import push

app_name = "wechat"
urlpatterns = [path("oa/push/", push, name="oa_push")]
