from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from crpv.catalogue import formats
from crpv.catalogue.formats.charsets import CHARSETS
from crpv.catalogue.operations import ALL_OR_NOTHING, VALID_ONLY, import_records


class Command(BaseCommand):
    help = "Importe des notices (MARC 21, UNIMARC, MARCXML, RIS, BibTeX, CSV) dans le catalogue."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--format", required=True, choices=sorted(formats.IMPORT_FORMATS))
        parser.add_argument("--dry-run", action="store_true", help="Aperçu : montre le rapport sans rien écrire.")
        parser.add_argument(
            "--valid-only", action="store_true", help="Importe les notices valides même si d'autres sont en erreur."
        )
        parser.add_argument(
            "--encoding", choices=CHARSETS, help="Jeu de caractères des fichiers ISO 2709 s'il est mal déclaré."
        )
        parser.add_argument("--source", default="", help="Nom de la source (partenaire, base d'origine).")

    def handle(self, *args, path, format, dry_run, valid_only, encoding, source, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"fichier introuvable : {file}")
        parsed = formats.parse(file.read_bytes(), format, encoding=encoding)
        report = import_records(
            parsed=parsed,
            acting_user=None,
            mode=VALID_ONLY if valid_only else ALL_OR_NOTHING,
            dry_run=dry_run,
            filename=file.name,
            source_name=source,
        )
        for error in report.errors:
            self.stderr.write(f"erreur, {error}")
        for position, reason in report.duplicates:
            self.stdout.write(f"doublon, notice {position} : {reason}")
        for position, text in report.warnings[:50]:
            self.stdout.write(f"remarque, notice {position} : {text}")
        prefix = "aperçu (rien n'est écrit) : " if dry_run else ""
        self.stdout.write(prefix + report.summary)
        if report.refused:
            raise CommandError("lot refusé")
