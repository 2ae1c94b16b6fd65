"""Import a contacts file (CSV or XLSX) into the base Acteurs.

    python manage.py import_contacts contacts.csv --dry-run
    python manage.py import_contacts contacts.xlsx --valid-rows-only --errors-file erreurs.csv

Exit status 0 when the file is imported (or would be, with --dry-run);
1 with the errors printed when it is refused, and then nothing is written.
"""

from django.core.management.base import BaseCommand, CommandError

from crpv.contacts.operations import import_contacts
from crpv.core.imports import ALL_OR_NOTHING, VALID_ROWS


class Command(BaseCommand):
    help = "Importe un fichier de contacts (CSV ou XLSX) dans la base acteurs."

    def add_arguments(self, parser):
        parser.add_argument("path", help="fichier CSV ou XLSX")
        parser.add_argument("--dry-run", action="store_true", help="tout vérifier sans rien enregistrer")
        parser.add_argument(
            "--valid-rows-only", action="store_true", help="importer les lignes valides et écarter les autres"
        )
        parser.add_argument("--errors-file", help="écrire les lignes en erreur dans ce fichier CSV")
        parser.add_argument(
            "--skip-existing", action="store_true", help="ne pas compléter les personnes déjà dans la base"
        )

    def handle(self, *args, path, dry_run, valid_rows_only, errors_file, skip_existing, **options):
        report = import_contacts(
            source=path,
            acting_user=None,
            filename=path,
            mode=VALID_ROWS if valid_rows_only else ALL_OR_NOTHING,
            dry_run=dry_run,
            existing="skip" if skip_existing else "update",
        )
        if report.refusal:
            raise CommandError(f"Fichier refusé : {report.refusal}")
        for notice in report.notices:
            self.stdout.write(f"remarque : {notice}")
        for error in report.errors:
            self.stderr.write(str(error))
        if errors_file and report.errors:
            report.write_error_file(errors_file)
            self.stderr.write(f"Lignes en erreur écrites dans {errors_file}.")
        if report.errors and not valid_rows_only:
            raise CommandError(
                f"Import refusé : {len(report.errors)} erreur(s) sur {len(report.error_lines)} ligne(s) ; "
                "rien n'a été enregistré."
            )
        prefix = "Vérification (rien n'a été enregistré) : " if dry_run else "Import terminé : "
        self.stdout.write(prefix + report.summary())
