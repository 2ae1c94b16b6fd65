import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from crpv.catalogue import formats
from crpv.catalogue.exporting import export_records
from crpv.catalogue.models import Record


class Command(BaseCommand):
    help = "Exporte les notices du catalogue (hors notices supprimées)."

    def add_arguments(self, parser):
        parser.add_argument("--format", required=True, choices=sorted(formats.EXPORT_FORMATS))
        parser.add_argument("--output", "-o", help="Fichier de sortie (par défaut : sortie standard).")
        parser.add_argument("--public", action="store_true", help="Seulement les notices publiques.")

    def handle(self, *args, format, output, public, **options):
        records = Record.objects.public() if public else Record.objects.alive()
        data = export_records(records.order_by("pk"), format)
        if output:
            Path(output).write_bytes(data)
        else:
            sys.stdout.buffer.write(data)
