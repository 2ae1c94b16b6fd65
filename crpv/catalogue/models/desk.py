"""The *espace doc* desk: consultations on appointment, light loans, web imports of records."""

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from crpv.core.models import TimeStampedModel
from crpv.core.text import fold

from .records import Copy, ImportBatch, Record, title_key


class ConsultationRequestQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status__in=[ConsultationRequest.Status.NEW, ConsultationRequest.Status.CONFIRMED])


class ConsultationRequest(TimeStampedModel):
    """A visitor's request to consult documents on site, on appointment (programme VII.2)."""

    class Status(models.TextChoices):
        NEW = "nouvelle", "nouvelle"
        CONFIRMED = "confirmee", "confirmée"
        DONE = "realisee", "réalisée"
        CANCELLED = "annulee", "annulée"

    record = models.ForeignKey(
        Record, verbose_name="notice", on_delete=models.CASCADE, related_name="consultation_requests"
    )
    copies = models.ManyToManyField(
        Copy, verbose_name="exemplaires souhaités", related_name="consultation_requests", blank=True
    )
    name = models.CharField("nom", max_length=200)
    email = models.EmailField("courriel", max_length=254)
    organisation_name = models.CharField("structure", max_length=255, blank=True)
    wished_slots = models.TextField("dates ou créneaux souhaités", max_length=1000)
    message = models.TextField("message", max_length=2000, blank=True)
    status = models.CharField("statut", max_length=20, choices=Status.choices, default=Status.NEW, db_index=True)
    staff_note = models.TextField("note de l'équipe", blank=True)
    appointment_at = models.DateTimeField("rendez-vous", null=True, blank=True)
    appointment = models.CharField(
        "précisions sur le rendez-vous",
        max_length=200,
        blank=True,
        help_text="Envoyées avec la confirmation, par exemple « salle de lecture, 2e étage ».",
    )
    cancelled_by_requester_at = models.DateTimeField("annulée par le demandeur le", null=True, blank=True)
    done_on = models.DateField("consultée le", null=True, blank=True)

    objects = ConsultationRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "demande de consultation"
        verbose_name_plural = "demandes de consultation"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.name} — {self.record.title[:80]}"

    @property
    def is_closed(self):
        return self.status in (self.Status.DONE, self.Status.CANCELLED)


class LoanQuerySet(models.QuerySet):
    def current(self):
        return self.filter(returned_on__isnull=True)

    def overdue(self, today=None):
        return self.current().filter(due_on__lt=today or timezone.localdate())

    def returned(self):
        return self.filter(returned_on__isnull=False)

    def of_record(self, record):
        return self.filter(copy__record=record)

    def lent_between(self, start=None, end=None):
        """Loans made from `start` to `end`, both included; a missing bound leaves that side open."""
        found = self
        if start:
            found = found.filter(lent_on__gte=start)
        if end:
            found = found.filter(lent_on__lte=end)
        return found

    def search(self, text):
        """Loans whose borrower (name, e-mail, person of the base Acteurs) or document (title, call number,
        barcode) matches `text`.

        The person's name and the record's title are compared through their stored folded keys, so accents and
        case do not matter and each word may match either; the loan's own borrower name and e-mail, the call
        number and the barcode are plain case-insensitive substrings of the whole text.
        """
        text = (text or "").strip()
        words = fold(text).split()
        if not words:
            return self
        each_word = Q()
        for word in words:
            each_word &= Q(person__folded_name__contains=word) | Q(copy__record__title_key__contains=word)
        matches = (
            each_word
            | Q(borrower_name__icontains=text)
            | Q(borrower_email__icontains=text)
            | Q(person__email__icontains=text)
            | Q(copy__call_number__icontains=text)
            | Q(copy__barcode__icontains=text)
        )
        # The title key drops a leading article ("Le guide…" → "guide…"): compare the phrase the same way.
        phrase = title_key(text)
        if phrase:
            matches |= Q(copy__record__title_key__contains=phrase)
        return self.filter(matches)

    def due_for_reminder(self, *, today, every_days):
        """Overdue loans whose borrower has not been reminded in the last `every_days` days."""
        last_allowed = today - datetime.timedelta(days=every_days)
        return (
            self.overdue(today)
            .exclude(borrower_email="")
            .filter(Q(last_reminder_at__isnull=True) | Q(last_reminder_at__date__lte=last_allowed))
        )


class Loan(models.Model):
    """A copy lent to a partner professional. One open loan per copy, enforced by the database."""

    copy = models.ForeignKey(Copy, verbose_name="exemplaire", on_delete=models.PROTECT, related_name="loans")
    person = models.ForeignKey(
        "contacts.Person",
        verbose_name="fiche de la base Acteurs",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        # A visible reverse relation: merging two people moves their loans, and a
        # person's data export includes them (both follow Person's related objects).
        related_name="catalogue_loans",
    )
    borrower_name = models.CharField("emprunteur", max_length=200)
    borrower_email = models.EmailField("courriel de l'emprunteur", max_length=254, blank=True)
    borrower_organisation = models.CharField("structure de l'emprunteur", max_length=255, blank=True)
    lent_on = models.DateField("prêté le", default=timezone.localdate)
    due_on = models.DateField("à rendre le")
    returned_on = models.DateField("rendu le", null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField("relances envoyées", default=0)
    last_reminder_at = models.DateTimeField("dernière relance", null=True, blank=True)
    lent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="prêté par", null=True, blank=True, on_delete=models.SET_NULL
    )
    note = models.CharField("note", max_length=255, blank=True)

    objects = LoanQuerySet.as_manager()

    class Meta:
        verbose_name = "prêt"
        verbose_name_plural = "prêts"
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["copy"],
                condition=Q(returned_on__isnull=True),
                name="catalogue_loan_one_open_per_copy",
                violation_error_message="Cet exemplaire est déjà prêté.",
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("lent_on")),
                name="catalogue_loan_due_after_lent",
                violation_error_message="La date de retour prévue précède la date du prêt.",
            ),
            models.CheckConstraint(
                condition=Q(returned_on__isnull=True) | Q(returned_on__gte=F("lent_on")),
                name="catalogue_loan_returned_after_lent",
                violation_error_message="La date de retour précède la date du prêt.",
            ),
        ]

    def __str__(self):
        return f"{self.copy} prêté à {self.borrower_name}"

    @property
    def is_open(self):
        return self.returned_on is None

    def is_overdue(self, today=None):
        return self.is_open and self.due_on < (today or timezone.localdate())


def record_upload_to(instance, filename):
    """A random storage name: the client's file name is never used."""
    return f"catalogue/imports/{secrets.token_hex(16)}.dat"


class RecordUpload(models.Model):
    """A file of records uploaded by the staff: previewed, then imported (or left)."""

    file = models.FileField("fichier", upload_to=record_upload_to)
    original_name = models.CharField("nom du fichier déposé", max_length=255, blank=True)
    file_format = models.CharField("format", max_length=20)
    created_at = models.DateTimeField("déposé le", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="déposé par", null=True, blank=True, on_delete=models.SET_NULL
    )
    batch = models.OneToOneField(
        ImportBatch,
        verbose_name="lot d'import",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="upload",
    )

    class Meta:
        verbose_name = "fichier de notices déposé"
        verbose_name_plural = "fichiers de notices déposés"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.original_name or f"fichier {self.pk}"
