"""Close the seat offers whose time is up and offer the seats to the next people (run every few minutes)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from crpv.events.operations import expire_offers


class Command(BaseCommand):
    help = "Expire les places proposées non confirmées à temps (simulation par défaut ; --wet-run pour agir)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--wet-run", action="store_true", help="agir vraiment (sinon : affiche ce qui serait fait)"
        )

    def handle(self, *args, wet_run=False, **options):
        expired = expire_offers(dry_run=not wet_run)
        verb = "expirée" if wet_run else "à expirer"
        for registration in expired:
            self.stdout.write(
                f"offre {verb} : {registration.person} — {registration.event} "
                f"(valable jusqu'au {timezone.localtime(registration.offer_expires_at):%d/%m/%Y %H:%M})"
            )
        if wet_run:
            self.stdout.write(f"{len(expired)} offre(s) expirée(s) ; places proposées aux personnes suivantes.")
        else:
            self.stdout.write(f"Simulation : {len(expired)} offre(s) à expirer. Relancer avec --wet-run pour agir.")
