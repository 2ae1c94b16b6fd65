from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "crpv.contacts"
    label = "contacts"
    verbose_name = "base acteurs"
