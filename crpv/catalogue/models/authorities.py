"""Authors: people and organisations, shared by records."""

from django.db import models

from crpv.core.models import TimeStampedModel
from crpv.core.text import fold


def agent_key(name, forename="", is_organisation=False):
    """The identity of an author for matching on import: kind + folded names."""
    return f"{'o' if is_organisation else 'p'}:{fold(name)}:{fold(forename)}"[:300]


class Agent(TimeStampedModel):
    name = models.CharField("nom", max_length=255, help_text="Nom de famille, ou nom de l'organisation.")
    forename = models.CharField("prénom", max_length=150, blank=True)
    is_organisation = models.BooleanField("organisation", default=False)
    dates = models.CharField("dates", max_length=50, blank=True)
    idref = models.CharField("identifiant IdRef", max_length=20, blank=True)
    key = models.CharField("clé de rapprochement", max_length=300, db_index=True, editable=False)

    class Meta:
        verbose_name = "auteur"
        verbose_name_plural = "auteurs"
        ordering = ["key"]

    def __str__(self):
        return f"{self.name}, {self.forename}" if self.forename else self.name

    def save(self, *args, **kwargs):
        self.key = agent_key(self.name, self.forename, self.is_organisation)
        super().save(*args, **kwargs)
