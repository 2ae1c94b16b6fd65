from django.conf import settings
from django.db import models


class ProgrammeImport(models.Model):
    """A programme file read from the back office, waiting for confirmation.

    The parsed tree is kept here (never the file path) so the confirmation
    step applies exactly what the reviewer saw.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "à valider"
        APPLIED = "applied", "appliqué"

    created_at = models.DateTimeField("créé le", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="importé par", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    year = models.PositiveSmallIntegerField("année")
    filename = models.CharField("nom du fichier", max_length=255)
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    parsed = models.JSONField("programme lu")
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.DRAFT)
    applied_at = models.DateTimeField("appliqué le", null=True, blank=True)
    report = models.JSONField("compte rendu", default=dict, blank=True)

    class Meta:
        verbose_name = "import de programme"
        verbose_name_plural = "imports de programme"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.filename} ({self.year})"
