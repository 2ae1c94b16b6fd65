"""Produce an event's attestations de présence (dry run unless --wet-run)."""

from django.core.management.base import BaseCommand, CommandError

from crpv.events.attestations import attendees, generate_run
from crpv.events.models import AttestationRun, Event


class Command(BaseCommand):
    help = "Produit les attestations de présence d'un événement et leur archive ZIP (à blanc sans --wet-run)."

    def add_arguments(self, parser):
        parser.add_argument("event", help="identifiant ou adresse (slug) de l'événement")
        parser.add_argument("--wet-run", action="store_true", help="produire vraiment les fichiers")

    def handle(self, *args, event, wet_run, **options):
        lookup = {"pk": int(event)} if event.isdigit() else {"slug": event}
        found = Event.objects.filter(**lookup).first()
        if found is None:
            raise CommandError(f"Événement introuvable : {event}")
        people = attendees(found)
        if not wet_run:
            self.stdout.write(
                f"À blanc : {len(people)} attestation(s) seraient produites pour « {found.title} ». "
                "Relancez avec --wet-run pour les produire."
            )
            return
        run = generate_run(AttestationRun.objects.create(event=found))
        self.stdout.write(f"{run.done} attestation(s) produites ; archive : {run.archive}")
