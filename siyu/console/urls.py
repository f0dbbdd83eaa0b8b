from django.urls import path
from django.views.generic import RedirectView

app_name = "console"
urlpatterns = [
    path("", RedirectView.as_view(url="/"), name="customer_list"),
    path("login/", RedirectView.as_view(url="/"), name="login"),
]
