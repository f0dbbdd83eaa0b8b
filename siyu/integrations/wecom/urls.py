from __future__ import annotations

from django.urls import path

from siyu.integrations.wecom import status
from siyu.integrations.wecom.callbacks import callback

app_name = "wecom"
urlpatterns = [
    path("callback/", callback, name="callback"),
    path("status/", status.status_page, name="status"),
    path("status/parked/", status.parked_action, name="parked_action"),
]
