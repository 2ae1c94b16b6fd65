from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "crpv.events"
    label = "events"
    verbose_name = "événements"

    def ready(self):
        from crpv.events.achievements import register_provider
        from crpv.events.signals import connect

        register_provider()
        connect()
