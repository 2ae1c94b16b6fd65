"""Rebuild the catalogue's full-text index from the records (after an engine change, a restore, a bulk load)."""

import time

from django.core.management.base import BaseCommand

from crpv.catalogue.search import reindex_all


class Command(BaseCommand):
    help = "Reconstruit l'index de recherche plein texte du catalogue."

    def handle(self, *args, **options):
        start = time.perf_counter()

        def progress(count):
            if options["verbosity"] > 1:
                self.stdout.write(f"  {count} notices…")

        total = reindex_all(progress=progress)
        elapsed = time.perf_counter() - start
        self.stdout.write(self.style.SUCCESS(f"{total} notices indexées en {elapsed:.1f} s."))
