from __future__ import annotations

from django.urls import path

from siyu.content import views

app_name = "content"
urlpatterns = [
    path("<str:code>", views.landing, name="landing"),
    path("<str:code>/beacon", views.beacon, name="beacon"),
    path("<str:code>/go", views.click, name="click"),
]
