"""Create (or reset) one demo account per staff role and print the logins.

For `make run` only: refuses to run when DEBUG is off, so a production
instance never gets accounts with a published password.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from crpv.users.models import User

DEMO_PASSWORD = "demo-crpv-2025"  # noqa: S105 - demo accounts, DEBUG only

DEMO_ACCOUNTS = [
    ("direction", "Dominique", "Lefebvre", "direction"),
    ("mission", "Camille", "Martin", "chargé·e de mission"),
    ("doc", "Sacha", "Dubois", "documentaliste"),
    ("com", "Alex", "Moreau", "communication"),
    ("admin", "Claude", "Bernard", "administrateur"),
]


class Command(BaseCommand):
    help = "Crée les comptes de démonstration de l'équipe (un par rôle) et affiche leurs identifiants."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Comptes de démonstration refusés : DEBUG est désactivé (instance de production ?).")
        with transaction.atomic():
            for username, first, last, role in DEMO_ACCOUNTS:
                user, _ = User.objects.get_or_create(
                    username=username,
                    defaults={"first_name": first, "last_name": last, "email": f"{username}@irev.example"},
                )
                user.is_staff = True
                user.is_superuser = role == "administrateur"
                if not user.check_password(DEMO_PASSWORD):
                    user.set_password(DEMO_PASSWORD)
                user.save()
                user.groups.set([Group.objects.get(name=role)])
        self.stdout.write("")
        self.stdout.write("Comptes de démonstration (mot de passe identique pour tous) :")
        for username, _first, _last, role in DEMO_ACCOUNTS:
            self.stdout.write(f"  {role:<22} identifiant « {username} »")
        self.stdout.write(f"  mot de passe : {DEMO_PASSWORD}")
