"""Staff work objects of the base Acteurs: saved segments and pending imports."""

import secrets

from django.conf import settings
from django.db import models

from crpv.core.models import TimeStampedModel


class Segment(TimeStampedModel):
    """A saved dynamic filter over the base (see `crpv.contacts.segments`).

    `criteria` holds codes and slugs (département, EPCI SIREN, contrat and QPV
    codes, network and theme slugs, role and structure-type values), never row
    ids, so a segment reads the same after a reload of the reference data.
    It is validated by `crpv.contacts.forms.SegmentForm`.
    """

    name = models.CharField("nom", max_length=200)
    description = models.TextField("description", blank=True)
    criteria = models.JSONField("critères", default=dict, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="créé par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "segment"
        verbose_name_plural = "segments"
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name

    def people(self):
        """The people the criteria select today (a Person queryset, one SQL query)."""
        from ..segments import people_matching

        return people_matching(self.criteria)


def import_upload_to(instance, filename):
    """A random storage name: the client's file name is never used."""
    extension = "xlsx" if filename.lower().endswith(".xlsx") else "csv"
    return f"contacts/imports/{secrets.token_hex(16)}.{extension}"


def error_file_upload_to(instance, filename):
    return f"contacts/imports/{secrets.token_hex(16)}-erreurs.csv"


class ContactImport(TimeStampedModel):
    """A contacts file on its way in: uploaded, mapped, previewed, run.

    Visible to the person who uploaded it and to administrators only.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "déposé"
        PREVIEWED = "previewed", "vérifié"
        QUEUED = "queued", "en attente"
        RUNNING = "running", "en cours"
        DONE = "done", "terminé"
        FAILED = "failed", "échoué"

    file = models.FileField("fichier", upload_to=import_upload_to)
    original_name = models.CharField("nom du fichier déposé", max_length=255, blank=True)
    status = models.CharField("état", max_length=20, choices=Status, default=Status.UPLOADED)
    mapping = models.JSONField("correspondance des colonnes", default=dict, blank=True)
    options = models.JSONField("options", default=dict, blank=True)
    preview = models.JSONField("aperçu", default=dict, blank=True)
    report = models.JSONField("compte rendu", default=dict, blank=True)
    error_file = models.FileField("fichier des erreurs", upload_to=error_file_upload_to, blank=True)
    rows_done = models.PositiveIntegerField("lignes traitées", default=0)
    rows_total = models.PositiveIntegerField("lignes estimées", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="déposé par",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "import de contacts"
        verbose_name_plural = "imports de contacts"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"import n° {self.pk} ({self.original_name})"

    @property
    def is_finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)
