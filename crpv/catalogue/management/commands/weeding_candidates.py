from django.core.management.base import BaseCommand

from crpv.catalogue.formats.base import RECORD_TYPES
from crpv.catalogue.weeding import operations
from crpv.catalogue.weeding.candidates import find_candidates


class Command(BaseCommand):
    help = (
        "Liste les candidats au désherbage selon les règles actives. Sans --wet-run, affiche seulement ; "
        "avec --wet-run, inscrit les nouveaux candidats comme « proposés » dans l'historique. "
        "Ne retire aucun exemplaire."
    )

    def add_arguments(self, parser):
        parser.add_argument("--type", default="", choices=["", *RECORD_TYPES], help="Type de document.")
        parser.add_argument("--wet-run", action="store_true", help="Enregistre la liste des candidats.")

    def handle(self, *args, type, wet_run, **options):
        candidates = find_candidates(record_type=type)
        for c in candidates:
            where = f"exemplaire {c.copy.call_number or c.copy.pk}" if c.copy else "notice sans exemplaire"
            self.stdout.write(
                f"{c.record.title} ({c.record.publication_year or 's. d.'}), {where} — règle {c.rule.formula} : "
                f"{', '.join(c.criteria_labels)}" + (f" [{c.status_label}]" if c.status else "")
            )
        if wet_run:
            fresh = operations.propose(candidates=candidates, acting_user=None)
            self.stdout.write(f"{len(candidates)} candidat(s), {len(fresh)} nouvellement proposé(s) au désherbage")
        else:
            self.stdout.write(
                f"{len(candidates)} candidat(s) ; simulation : rien n'est enregistré (--wet-run pour le faire)"
            )
