from django.core.management.base import BaseCommand

from crpv.catalogue import desk


class Command(BaseCommand):
    help = (
        "Relance par courriel les emprunteurs des prêts en retard, au plus une fois tous les N jours. "
        "Sans --wet-run, affiche seulement ce qui serait envoyé."
    )

    def add_arguments(self, parser):
        parser.add_argument("--wet-run", action="store_true", help="Envoie vraiment les relances.")
        parser.add_argument(
            "--every",
            type=int,
            default=None,
            help=f"Jours minimum entre deux relances d'un même prêt (par défaut {desk.reminder_days()}).",
        )

    def handle(self, *args, wet_run, every, **options):
        loans = desk.send_loan_reminders(acting_user=None, every_days=every, dry_run=not wet_run)
        for loan in loans:
            verb = "relancé" if wet_run else "serait relancé"
            self.stdout.write(
                f"{verb} : {loan.borrower_name} <{loan.borrower_email}>, « {loan.copy.record.title} » "
                f"({loan.copy}), à rendre le {loan.due_on:%d/%m/%Y}"
            )
        prefix = "" if wet_run else "aperçu (rien n'est envoyé, --wet-run pour envoyer) : "
        self.stdout.write(f"{prefix}{len(loans)} relance(s).")
