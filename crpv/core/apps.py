from django.apps import AppConfig


class CoreConfig(AppConfig):
    verbose_name = "noyau"
    name = "crpv.core"
    label = "core"
