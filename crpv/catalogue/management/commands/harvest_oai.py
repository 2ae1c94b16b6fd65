from django.core.management.base import BaseCommand, CommandError

from crpv.catalogue.oai import harvester
from crpv.catalogue.oai.provider import OaiError, parse_date


class Command(BaseCommand):
    help = (
        "Moissonne un entrepôt OAI-PMH partenaire dans le catalogue. Incrémental : reprend à la date du dernier "
        "moissonnage réussi de cette source, sauf --from."
    )

    def add_arguments(self, parser):
        parser.add_argument("url", help="Adresse OAI-PMH du partenaire (http ou https).")
        parser.add_argument("--set", default="", dest="set_spec", help="Ensemble (setSpec) à moissonner.")
        parser.add_argument("--from", dest="from_date", help="Date de début (AAAA-MM-JJ ou AAAA-MM-JJThh:mm:ssZ).")
        parser.add_argument("--until", help="Date de fin, incluse.")
        parser.add_argument("--metadata-prefix", default="oai_dc", choices=sorted(harvester.READERS))
        parser.add_argument("--name", default="", help="Nom de la source (par défaut : le nom d'hôte).")
        parser.add_argument("--dry-run", action="store_true", help="Aperçu : moissonne et compte sans rien écrire.")

    def handle(self, *args, url, set_spec, from_date, until, metadata_prefix, name, dry_run, **options):
        for value, is_until in ((from_date, False), (until, True)):
            if value:
                try:
                    parse_date(value, until=is_until)
                except OaiError as error:
                    raise CommandError(error.message) from None
        source = harvester.source_for(url, set_spec=set_spec, metadata_prefix=metadata_prefix, name=name)
        if source.last_harvested_at and not from_date:
            self.stdout.write(f"moissonnage incrémental depuis le {source.last_harvested_at:%d/%m/%Y %H:%M:%S} (UTC)")
        try:
            report = harvester.harvest(
                source=source, acting_user=None, from_date=from_date, until=until, dry_run=dry_run
            )
        except harvester.HarvestError as error:
            raise CommandError(str(error)) from None
        for identifier, reason in report.errors:
            self.stderr.write(f"erreur, {identifier} : {reason}")
        for identifier, reason in report.duplicates:
            self.stdout.write(f"doublon, {identifier} : {reason}")
        prefix = "aperçu (rien n'est écrit) : " if dry_run else ""
        self.stdout.write(prefix + report.summary)
