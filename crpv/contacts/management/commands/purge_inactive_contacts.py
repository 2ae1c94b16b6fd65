"""Retention of the base Acteurs: ask, then anonymise, people inactive for N years.

Dry run by default: prints what it would do and writes nothing; `--wet-run`
acts. A person is inactive when their last own action (or, with none, the
creation of their record) is older than `--years`. Step 1 sends them a
re-permission message with a signed link; step 2 anonymises those asked more
than `--grace-days` ago who did not answer (`privacy.erase_person`). People
already anonymised or whose address is on the suppression list are never
touched. Only record numbers are printed, never names.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db.models.functions import Coalesce
from django.utils import timezone

from crpv.contacts import privacy
from crpv.contacts.models import Person, SuppressionEntry
from crpv.contacts.validators import email_fingerprint


def years_before(moment, years):
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def inactive_people(*, years, now):
    """People to consider, with `last_seen` (last own action or creation) annotated."""
    threshold = years_before(now, years)
    suppressed = SuppressionEntry.objects.fingerprints()
    people = (
        Person.objects.active()
        .annotate(last_seen=Coalesce("last_own_action_at", "created_at"))
        .filter(last_seen__lt=threshold)
        .order_by("pk")
    )
    for person in people.iterator(1000):
        if person.email and email_fingerprint(person.email) in suppressed:
            continue
        yield person


def plan(*, years, grace_days, now):
    """(people to ask, people to anonymise)."""
    grace_end = now - datetime.timedelta(days=grace_days)
    to_ask, to_erase = [], []
    for person in inactive_people(years=years, now=now):
        asked = person.repermission_sent_at
        if asked is None or asked < person.last_seen:
            to_ask.append(person)  # never asked, or asked before their last action
        elif asked <= grace_end:
            to_erase.append(person)
    return to_ask, to_erase


class Command(BaseCommand):
    help = (
        "Conservation des contacts : demande de renouvellement aux personnes sans action depuis N ans, "
        "puis anonymisation après le délai de grâce. Sans --wet-run, n'écrit rien."
    )

    def add_arguments(self, parser):
        parser.add_argument("--wet-run", action="store_true", help="Agir (sinon : simulation).")
        parser.add_argument("--years", type=int, default=3, help="Années sans action de la personne (3).")
        parser.add_argument("--grace-days", type=int, default=30, help="Jours laissés pour répondre (30).")

    def handle(self, *args, wet_run, years, grace_days, **options):
        if years < 1 or grace_days < 0:
            raise CommandError("--years doit valoir au moins 1 et --grace-days ne peut pas être négatif.")
        now = timezone.now()
        to_ask, to_erase = plan(years=years, grace_days=grace_days, now=now)
        mode = "" if wet_run else "[simulation] "
        self.stdout.write(
            f"{mode}{len(to_ask)} personne(s) sans action depuis {years} an(s) à qui demander le renouvellement, "
            f"{len(to_erase)} personne(s) sans réponse depuis {grace_days} jour(s) à anonymiser."
        )
        for person in to_ask:
            how = "par courriel" if person.email else "sans courriel : aucun message possible"
            self.stdout.write(f"{mode}demande de renouvellement : fiche n° {person.pk} ({how})")
            if wet_run:
                privacy.request_repermission(person=person, now=now)
        for person in to_erase:
            self.stdout.write(f"{mode}anonymisation : fiche n° {person.pk}")
            if wet_run:
                privacy.erase_person(
                    person=person,
                    acting_user=None,
                    reason=f"conservation : aucune action depuis {years} an(s), sans réponse après {grace_days} j",
                )
        if not wet_run:
            self.stdout.write("Simulation : rien n'a été modifié. Relancez avec --wet-run pour agir.")
