"""Everything `make run` loads, in one process (one Django start-up instead of eight).

Each step is the idempotent command a person can also run alone: a second run
changes nothing.
"""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

STEPS = [
    ("load_referentiel", [], {}),
    ("load_demo_contacts", ["--count", "2000", "--seed", "2025"], {}),
    ("import_programme", [None, "--year", "2025"], {}),
    ("load_demo_events", ["--seed", "2025"], {}),
    # The same programme's events dated next year, so that the public agenda has upcoming events.
    ("load_demo_events", ["--seed", "2026", "--calendar-year", "NEXT_YEAR"], {}),
    ("load_thesaurus", [], {}),
    ("load_demo_catalogue", [], {}),
    ("create_demo_staff", [], {}),
]


class Command(BaseCommand):
    help = "Charge les données de référence, le programme 2025 et les données de démonstration (make run)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--programme",
            default=str(settings.BASE_DIR.parent / "shared" / "seeds" / "programme-2025-irev.txt"),
            help="fichier du programme à importer",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Données de démonstration refusées : DEBUG est désactivé (instance de production ?).")
        for name, arguments, kwargs in STEPS:
            next_year = str(timezone.localdate().year + 1)
            arguments = [
                options["programme"] if a is None else next_year if a == "NEXT_YEAR" else a for a in arguments
            ]
            self.stdout.write(self.style.MIGRATE_HEADING(f"— {name} {' '.join(arguments)}"))
            call_command(name, *arguments, stdout=self.stdout, stderr=self.stderr, **kwargs)
