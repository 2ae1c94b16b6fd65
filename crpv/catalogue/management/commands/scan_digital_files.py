from django.core.management.base import BaseCommand, CommandError

from crpv.catalogue.weeding import digital


class Command(BaseCommand):
    help = (
        "Analyse le dossier de fichiers du centre (CRPV_DIGITAL_WEEDING_ROOT) : doublons, fichiers très anciens, "
        "sans notice, volumineux. Lecture seule : ne supprime ni ne déplace jamais rien. Sans --wet-run, "
        "affiche le rapport ; avec --wet-run, l'enregistre pour le bordereau d'élimination."
    )

    def add_arguments(self, parser):
        parser.add_argument("--root", default="", help="Dossier à analyser (par défaut : le réglage).")
        parser.add_argument("--older-than-years", type=int, default=10)
        parser.add_argument("--larger-than-mb", type=int, default=100)
        parser.add_argument("--wet-run", action="store_true", help="Enregistre l'analyse.")

    def handle(self, *args, root, older_than_years, larger_than_mb, wet_run, **options):
        try:
            result = digital.scan_folder(
                root or None, older_than_years=older_than_years, larger_than_mb=larger_than_mb
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        for f in result.findings:
            mark = " [proposé à l'élimination]" if f.proposed else ""
            self.stdout.write(f"{f.path} — {f.size} octets — {', '.join(f.kinds)} — {f.sha256}{mark}")
        for path, reason in result.skipped:
            self.stdout.write(f"ignoré, {path} : {reason}")
        self.stdout.write(result.summary)
        if wet_run:
            scan = digital.save_scan(result, acting_user=None)
            self.stdout.write(f"analyse enregistrée (n° {scan.pk})")
        else:
            self.stdout.write("simulation : rien n'est enregistré (--wet-run pour le faire)")
