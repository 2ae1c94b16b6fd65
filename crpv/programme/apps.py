from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    verbose_name = "programme"
    name = "crpv.programme"
    label = "programme"
