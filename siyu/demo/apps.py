from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "siyu.demo"
    label = "demo"
    verbose_name = "Demo brand"
