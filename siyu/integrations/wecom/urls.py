from __future__ import annotations

from django.urls import path

from siyu.integrations.wecom.callbacks import callback

app_name = "wecom"
urlpatterns = [path("callback/", callback, name="callback")]
