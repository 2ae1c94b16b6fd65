from django.apps import AppConfig


class WwwConfig(AppConfig):
    verbose_name = "site public"
    name = "crpv.www"
    label = "www"
