"""`python manage.py load_referentiel`: load or refresh the territorial reference data."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from crpv.territories.operations import load_referentiel
from crpv.territories.referentiel import ReferentielError, read_referentiel


class Command(BaseCommand):
    help = (
        "Charge ou met à jour le référentiel territorial (région, départements, EPCI, communes, QPV, "
        "contrats de ville, projets NPNRU, cités éducatives), par codes officiels."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="tout vérifier et compter, sans rien enregistrer")
        parser.add_argument(
            "--qpv-file",
            type=Path,
            help="fichier des QPV à la place de qpv2024_hdf.csv, par exemple listeqp2024-cog2024.csv de data.gouv.fr",
        )
        parser.add_argument(
            "--referentiel-dir",
            type=Path,
            default=None,
            help="dossier des fichiers de référence (par défaut : réglage REFERENTIEL_DIR)",
        )

    def handle(self, *args, dry_run=False, qpv_file=None, referentiel_dir=None, **options):
        directory = referentiel_dir or Path(settings.REFERENTIEL_DIR)
        try:
            data = read_referentiel(directory, qpv_file=qpv_file)
        except ReferentielError as exc:
            raise CommandError(f"Référentiel non chargé, base inchangée.\n{exc.message}") from exc
        report = load_referentiel(data=data, dry_run=dry_run)
        for line in report.lines():
            self.stdout.write(line)
        if dry_run:
            self.stdout.write(self.style.WARNING("Simulation (--dry-run) : aucune modification enregistrée."))
        elif report.changed:
            self.stdout.write(self.style.SUCCESS("Référentiel chargé."))
        else:
            self.stdout.write(self.style.SUCCESS("Référentiel déjà à jour : aucune modification."))
