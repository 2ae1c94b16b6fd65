from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "crpv.catalogue"
    label = "catalogue"
    verbose_name = "centre de documentation"
