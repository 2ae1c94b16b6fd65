from django.db import models

from crpv.core.models import TimeStampedModel
from crpv.core.text import fold
from crpv.territories.models import Commune, ContratDeVille, Departement, Epci

from ..validators import validate_siren, validate_siret
from .choices import OrganisationKind


class OrganisationQuerySet(models.QuerySet):
    def search(self, text):
        return self.filter(folded_name__contains=fold(text))

    def in_epci(self, epci):
        return self.filter(models.Q(epcis=epci) | models.Q(commune__epci=epci)).distinct()


class Organisation(TimeStampedModel):
    """A structure where professionals of the politique de la ville work."""

    name = models.CharField("nom", max_length=250)
    folded_name = models.CharField("nom normalisé", max_length=250, editable=False, db_index=True)
    kind = models.CharField(
        "type de structure", max_length=30, choices=OrganisationKind, default=OrganisationKind.OTHER
    )
    siren = models.CharField("SIREN", max_length=9, blank=True, db_index=True, validators=[validate_siren])
    siret = models.CharField("SIRET", max_length=14, blank=True, validators=[validate_siret])
    address = models.CharField("adresse", max_length=300, blank=True)
    postcode = models.CharField("code postal", max_length=5, blank=True)
    commune = models.ForeignKey(
        Commune, verbose_name="commune", null=True, blank=True, on_delete=models.SET_NULL, related_name="organisations"
    )
    epcis = models.ManyToManyField(Epci, verbose_name="EPCI", related_name="organisations", blank=True)
    communes = models.ManyToManyField(
        Commune, verbose_name="communes couvertes", related_name="covering_organisations", blank=True
    )
    departements = models.ManyToManyField(
        Departement, verbose_name="départements", related_name="organisations", blank=True
    )
    contrats_de_ville = models.ManyToManyField(
        ContratDeVille, verbose_name="contrats de ville", related_name="organisations", blank=True
    )
    website = models.URLField("site web", blank=True)
    notes = models.TextField("remarques", blank=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = "structure"
        verbose_name_plural = "structures"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["siret"], condition=~models.Q(siret=""), name="contacts_organisation_siret_unique"
            ),
        ]
        indexes = [models.Index(fields=["folded_name", "commune"], name="contacts_org_name_commune")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.folded_name = fold(self.name)[:250]
        if self.siret and not self.siren:
            self.siren = self.siret[:9]
        super().save(*args, **kwargs)

    def matching_territories(self, epci_ids_by_siren=None):
        """The territories this structure *is*, found from its identifiers.

        An EPCI is identified by its SIREN; a commune-kind structure (a
        mairie) by the INSEE code of its commune. Returns (epci ids, commune
        ids). `epci_ids_by_siren` avoids a query per structure in bulk work.
        """
        epci_ids, commune_ids = [], []
        if self.siren:
            if epci_ids_by_siren is None:
                epci_ids = list(Epci.objects.filter(code=self.siren).values_list("pk", flat=True))
            elif self.siren in epci_ids_by_siren:
                epci_ids = [epci_ids_by_siren[self.siren]]
        if self.kind == OrganisationKind.COMMUNE and self.commune_id:
            commune_ids = [self.commune_id]
        return epci_ids, commune_ids

    def link_territories(self):
        """Attach the territories found by `matching_territories` (idempotent)."""
        epci_ids, commune_ids = self.matching_territories()
        if epci_ids:
            self.epcis.add(*epci_ids)
            if self.kind == OrganisationKind.OTHER:
                self.kind = OrganisationKind.EPCI
                self.save(update_fields=["kind", "updated_at"])
        if commune_ids:
            self.communes.add(*commune_ids)
        return epci_ids, commune_ids
