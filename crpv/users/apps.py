from django.apps import AppConfig
from django.db.models.signals import post_migrate


class UsersConfig(AppConfig):
    verbose_name = "comptes"
    name = "crpv.users"
    label = "users"

    def ready(self):
        from crpv.users.roles import sync_roles

        # Groups must follow the role table whenever models (and so
        # permissions) change: after every migrate.
        post_migrate.connect(sync_roles, dispatch_uid="crpv.users.sync_roles")
