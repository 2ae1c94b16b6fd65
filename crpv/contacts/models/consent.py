from django.conf import settings
from django.db import models
from django.utils import timezone

from ..validators import email_fingerprint
from .choices import ConsentChannel, ConsentKind, SuppressionReason
from .people import Person


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an append-only record."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Le registre des consentements ne se modifie pas : ajoutez un événement.")

    def delete(self):
        raise AppendOnlyError("Le registre des consentements ne se supprime pas.")

    def for_person(self, person):
        return self.filter(person=person).order_by("at", "pk")


class ConsentEvent(models.Model):
    """One entry of the consent register (append-only, RGPD art. 7(1) proof)."""

    person = models.ForeignKey(
        Person, verbose_name="personne", on_delete=models.PROTECT, related_name="consent_events"
    )
    kind = models.CharField("nature", max_length=20, choices=ConsentKind)
    purpose = models.CharField(
        "finalité", max_length=100, blank=True, help_text="Par exemple : lettre d'information, invitations."
    )
    channel = models.CharField("canal", max_length=20, choices=ConsentChannel)
    text_version = models.CharField("version du texte présenté", max_length=60, blank=True)
    at = models.DateTimeField("date", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="saisi par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "événement de consentement"
        verbose_name_plural = "registre des consentements"
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.at:%d/%m/%Y} {self.get_kind_display()} — {self.person}"

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise AppendOnlyError("Le registre des consentements ne se modifie pas : ajoutez un événement.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Le registre des consentements ne se supprime pas.")


class SuppressionQuerySet(models.QuerySet):
    def fingerprints(self):
        return set(self.values_list("email_sha256", flat=True))

    def contains(self, email):
        return self.filter(email_sha256=email_fingerprint(email)).exists()


class SuppressionEntry(models.Model):
    """An address that must never come back into the base (erased, opted out).

    Only the sha256 of the normalised address is kept, so the list itself
    holds no personal data in clear.
    """

    email_sha256 = models.CharField("empreinte SHA-256 du courriel", max_length=64, unique=True)
    reason = models.CharField("motif", max_length=20, choices=SuppressionReason)
    at = models.DateTimeField("date", default=timezone.now)

    objects = SuppressionQuerySet.as_manager()

    class Meta:
        verbose_name = "adresse en liste d'exclusion"
        verbose_name_plural = "liste d'exclusion"
        ordering = ["-at"]

    def __str__(self):
        return f"{self.email_sha256[:12]}… ({self.get_reason_display()})"
