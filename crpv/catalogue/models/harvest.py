"""Partner repositories harvested over OAI-PMH."""

from django.db import models


class HarvestSource(models.Model):
    """One partner's OAI-PMH endpoint and the date of its last successful harvest."""

    name = models.CharField("nom", max_length=200, unique=True, help_text="Repris comme source des notices.")
    base_url = models.URLField("adresse OAI-PMH", max_length=500)
    set_spec = models.CharField("ensemble (set)", max_length=200, blank=True)
    metadata_prefix = models.CharField("format", max_length=50, default="oai_dc")
    last_harvested_at = models.DateTimeField(
        "dernier moissonnage réussi", null=True, blank=True, help_text="Date du serveur partenaire."
    )
    last_report = models.JSONField("dernier rapport", default=dict, blank=True)

    class Meta:
        verbose_name = "source moissonnée"
        verbose_name_plural = "sources moissonnées"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["base_url", "set_spec", "metadata_prefix"], name="catalogue_harvest_unique"
            )
        ]

    def __str__(self):
        return self.name
