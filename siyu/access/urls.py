from __future__ import annotations

from django.urls import path

from siyu.access import views

app_name = "access"
urlpatterns = [
    path("", views.key_list, name="keys"),
    path("revoke/", views.key_revoke, name="revoke"),
]
