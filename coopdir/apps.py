from django.apps import AppConfig


class CoopdirConfig(AppConfig):
    name = "coopdir"
    verbose_name = "coopdir"
