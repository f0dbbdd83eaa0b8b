from django.urls import path

from siyu.loyalty import views

app_name = "loyalty"
urlpatterns = [path("", views.member_centre, name="member_centre")]
