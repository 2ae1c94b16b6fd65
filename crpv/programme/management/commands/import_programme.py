from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from crpv.programme.operations import import_programme
from crpv.programme.parsing import ParseError, parse_file


class Command(BaseCommand):
    help = "Importe le programme annuel depuis un fichier .txt ou .docx (mise à jour sur place)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="fichier du programme (.txt ou .docx)")
        parser.add_argument("--year", type=int, help="année du programme (par défaut : celle du titre)")
        parser.add_argument("--dry-run", action="store_true", help="affiche les changements sans rien écrire")

    def handle(self, *args, path, year=None, dry_run=False, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"{path} : fichier introuvable.")
        if file.suffix.lower() not in (".txt", ".docx"):
            raise CommandError(f"{path} : format non pris en charge, le fichier doit être en .txt ou .docx.")
        try:
            parsed = parse_file(file.name, file.read_bytes(), year=year)
        except ParseError as exc:
            where = f", ligne {exc.line}" if exc.line else ""
            raise CommandError(f"{path}{where} : {exc.message}") from exc
        except OSError as exc:
            raise CommandError(f"{path} : lecture impossible ({exc.strerror}).") from exc
        year = year or parsed.year
        if not year:
            raise CommandError(f"{path} : l'année du programme est introuvable dans le titre, précisez --year.")
        report = import_programme(parsed=parsed, year=year, acting_user=None, dry_run=dry_run)
        self.stdout.write(
            f"{path} : {len(parsed.axes)} axes, {parsed.action_count} actions, "
            f"{parsed.target_count} objectifs chiffrés lus (programme {year})."
        )
        for line in report.summary_lines():
            self.stdout.write(f"  {line}")
        for change in report.changes:
            verb = {"created": "créé", "updated": "modifié", "deleted": "supprimé"}[change["operation"]]
            self.stdout.write(f"  [{verb}] {change['label']}")
            for name, (old, new) in change["diff"].items():
                self.stdout.write(f"      {name} : {str(old)[:80]!r} → {str(new)[:80]!r}")
        if not report.has_changes:
            self.stdout.write(self.style.SUCCESS("Aucun changement."))
        elif dry_run:
            self.stdout.write(self.style.WARNING("Simulation (--dry-run) : rien n'a été écrit."))
        else:
            self.stdout.write(self.style.SUCCESS("Programme enregistré."))
