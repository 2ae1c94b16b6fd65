from django.apps import AppConfig


class TerritoriesConfig(AppConfig):
    verbose_name = "territoires"
    name = "crpv.territories"
    label = "territories"
