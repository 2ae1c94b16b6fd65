from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from crpv.catalogue import skos
from crpv.catalogue.operations import load_thesaurus

DEFAULT = Path(__file__).resolve().parent.parent.parent / "data" / "thesaurus-politique-de-la-ville.ttl"


class Command(BaseCommand):
    help = "Charge un thésaurus SKOS (Turtle ou RDF/XML) ; sans chemin, le thésaurus de départ fourni."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(DEFAULT))
        parser.add_argument("--format", choices=["turtle", "xml"], default=None)
        parser.add_argument("--dry-run", action="store_true", help="Montre ce qui changerait sans rien écrire.")

    def handle(self, *args, path, format, dry_run, **options):
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"fichier introuvable : {source}")
        parsed = skos.parse(source.read_bytes(), format or skos.format_of(source))
        for error in parsed.errors:
            self.stderr.write(f"erreur : {error}")
        if not parsed.concepts:
            raise CommandError("aucun concept chargé")
        report = load_thesaurus(parsed=parsed, acting_user=None, dry_run=dry_run)
        self.stdout.write(f"{parsed.title} : {report.summary}")
