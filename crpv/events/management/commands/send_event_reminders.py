"""Remind confirmed participants of their event, with the visio link (run hourly)."""

import datetime

from django.core.management.base import BaseCommand

from crpv.events.models import Registration
from crpv.events.operations import send_reminders


class Command(BaseCommand):
    help = "Envoie le rappel avant l'événement aux personnes confirmées (simulation par défaut ; --wet-run)."

    def add_arguments(self, parser):
        parser.add_argument("--wet-run", action="store_true", help="envoyer vraiment (sinon : liste les rappels)")
        parser.add_argument("--hours", type=int, default=48, help="événements commençant dans ce délai (48 h)")

    def handle(self, *args, wet_run=False, hours=48, **options):
        within = datetime.timedelta(hours=hours)
        ids = send_reminders(within=within, dry_run=not wet_run)
        for registration in Registration.objects.filter(pk__in=ids).select_related("person", "event"):
            self.stdout.write(
                f"rappel {'envoyé' if wet_run else 'à envoyer'} : {registration.person} — {registration.event}"
            )
        if wet_run:
            self.stdout.write(f"{len(ids)} rappel(s) mis en file d'envoi.")
        else:
            self.stdout.write(f"Simulation : {len(ids)} rappel(s) à envoyer. Relancer avec --wet-run pour envoyer.")
