"""The geography the centre serves, keyed on official codes.

Every row keeps the vintage of the data it came from (`cog_year` for the COG,
`geography_year` for the priority geography) and a folded `search_key` for
accent-insensitive search (see `crpv.core.search`).
"""

from django.db import models

from crpv.core.models import TimeStampedModel
from crpv.core.text import fold


class SearchableMixin(models.Model):
    search_key = models.CharField("clé de recherche", max_length=400, blank=True, editable=False, db_index=True)

    class Meta:
        abstract = True

    def search_terms(self):
        return [self.name, getattr(self, "code", "")]

    def save(self, *args, **kwargs):
        self.search_key = fold(" ".join(t for t in self.search_terms() if t))[:400]
        super().save(*args, **kwargs)


class Region(SearchableMixin, TimeStampedModel):
    code = models.CharField("code INSEE", max_length=3, unique=True)
    name = models.CharField("nom", max_length=100)
    cog_year = models.PositiveSmallIntegerField("millésime du COG")

    class Meta:
        verbose_name = "région"
        verbose_name_plural = "régions"
        ordering = ["code"]

    def __str__(self):
        return self.name


class Departement(SearchableMixin, TimeStampedModel):
    code = models.CharField("code INSEE", max_length=3, unique=True)
    name = models.CharField("nom", max_length=100)
    region = models.ForeignKey(Region, verbose_name="région", on_delete=models.PROTECT, related_name="departements")
    cog_year = models.PositiveSmallIntegerField("millésime du COG")

    class Meta:
        verbose_name = "département"
        verbose_name_plural = "départements"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class Epci(SearchableMixin, TimeStampedModel):
    code = models.CharField("SIREN", max_length=9, unique=True)
    name = models.CharField("nom", max_length=200)
    kind = models.CharField("nature juridique", max_length=10, blank=True)  # ME, CU, CA, CC
    population = models.PositiveIntegerField("population totale", null=True, blank=True)
    departements = models.ManyToManyField(Departement, verbose_name="départements", related_name="epcis", blank=True)
    cog_year = models.PositiveSmallIntegerField("millésime du COG")

    class Meta:
        verbose_name = "EPCI"
        verbose_name_plural = "EPCI"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Commune(SearchableMixin, TimeStampedModel):
    code = models.CharField("code INSEE", max_length=5, unique=True)
    name = models.CharField("nom", max_length=200)
    departement = models.ForeignKey(
        Departement, verbose_name="département", on_delete=models.PROTECT, related_name="communes"
    )
    epci = models.ForeignKey(
        Epci, verbose_name="EPCI", null=True, blank=True, on_delete=models.SET_NULL, related_name="communes"
    )
    postal_codes = models.JSONField("codes postaux", default=list, blank=True)
    population = models.PositiveIntegerField("population", null=True, blank=True)
    cog_year = models.PositiveSmallIntegerField("millésime du COG")

    class Meta:
        verbose_name = "commune"
        verbose_name_plural = "communes"
        ordering = ["name", "code"]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def search_terms(self):
        return [self.name, self.code, *self.postal_codes]


class ContratDeVille(SearchableMixin, TimeStampedModel):
    """A contrat de ville « Quartiers 2030 », carried by an EPCI or a commune."""

    code = models.CharField("code", max_length=12, unique=True)
    name = models.CharField("nom", max_length=200)
    departement = models.ForeignKey(
        Departement, verbose_name="département", on_delete=models.PROTECT, related_name="contrats_de_ville"
    )
    carrier_epci = models.ForeignKey(
        Epci,
        verbose_name="EPCI porteur",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contrats_de_ville",
    )
    carrier_commune = models.ForeignKey(
        Commune,
        verbose_name="commune porteuse",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contrats_de_ville",
    )
    declared_qpv_count = models.PositiveSmallIntegerField("nombre de QPV déclaré", null=True, blank=True)
    geography_year = models.PositiveSmallIntegerField("millésime de la géographie prioritaire", default=2024)

    class Meta:
        verbose_name = "contrat de ville"
        verbose_name_plural = "contrats de ville"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                name="contrat_de_ville_one_carrier",
                condition=(
                    models.Q(carrier_epci__isnull=False, carrier_commune__isnull=True)
                    | models.Q(carrier_epci__isnull=True, carrier_commune__isnull=False)
                ),
                violation_error_message="Un contrat de ville est porté soit par un EPCI, soit par une commune.",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def carrier(self):
        return self.carrier_epci or self.carrier_commune


class Qpv(SearchableMixin, TimeStampedModel):
    """A quartier prioritaire (geography of 1 January 2024)."""

    code = models.CharField("code", max_length=10, unique=True)
    name = models.CharField("nom", max_length=200)
    departement = models.ForeignKey(Departement, verbose_name="département", on_delete=models.PROTECT, related_name="qpvs")
    communes = models.ManyToManyField(Commune, verbose_name="communes", related_name="qpvs")
    epcis = models.ManyToManyField(Epci, verbose_name="EPCI", related_name="qpvs")
    contrat_de_ville = models.ForeignKey(
        ContratDeVille,
        verbose_name="contrat de ville",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="qpvs",
    )
    candidate_contrats = models.ManyToManyField(
        ContratDeVille,
        verbose_name="contrats de ville candidats",
        related_name="candidate_qpvs",
        blank=True,
        help_text="Pour un QPV à cheval sur deux EPCI, tant que le contrat de ville n'est pas tranché.",
    )
    needs_review = models.BooleanField(
        "à vérifier",
        default=False,
        help_text="Le rattachement au contrat de ville doit être tranché par l'équipe.",
    )
    review_note = models.CharField("note de vérification", max_length=300, blank=True)
    geography_year = models.PositiveSmallIntegerField("millésime de la géographie prioritaire", default=2024)

    class Meta:
        verbose_name = "quartier prioritaire (QPV)"
        verbose_name_plural = "quartiers prioritaires (QPV)"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class ProjetRenouvellement(SearchableMixin, TimeStampedModel):
    """An urban renewal project (NPNRU) of national (QIN) or regional (QIR) interest."""

    class Interest(models.TextChoices):
        NATIONAL = "national", "intérêt national (QIN)"
        REGIONAL = "regional", "intérêt régional (QIR)"

    name = models.CharField("nom", max_length=250)
    interest = models.CharField("intérêt", max_length=10, choices=Interest.choices)
    departement = models.ForeignKey(
        Departement, verbose_name="département", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    communes = models.ManyToManyField(Commune, verbose_name="communes", related_name="projets_renouvellement", blank=True)
    qpvs = models.ManyToManyField(Qpv, verbose_name="QPV", related_name="projets_renouvellement", blank=True)
    source = models.CharField("source", max_length=300, blank=True)

    class Meta:
        verbose_name = "projet de renouvellement urbain"
        verbose_name_plural = "projets de renouvellement urbain"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name", "interest"], name="projet_renouvellement_unique")]

    def __str__(self):
        return self.name

    def search_terms(self):
        return [self.name]


class CiteEducative(SearchableMixin, TimeStampedModel):
    name = models.CharField("nom", max_length=250, unique=True)
    anct_id = models.CharField("identifiant ANCT", max_length=20, blank=True)
    label_year = models.PositiveSmallIntegerField("année de labellisation", null=True, blank=True)
    departement = models.ForeignKey(
        Departement, verbose_name="département", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    communes = models.ManyToManyField(Commune, verbose_name="communes", related_name="cites_educatives", blank=True)
    qpvs = models.ManyToManyField(Qpv, verbose_name="QPV", related_name="cites_educatives", blank=True)

    class Meta:
        verbose_name = "cité éducative"
        verbose_name_plural = "cités éducatives"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def search_terms(self):
        return [self.name, self.anct_id]


class DataSource(models.Model):
    """A data set the platform loaded, credited on the public "Sources" page."""

    key = models.SlugField("clé", max_length=60, unique=True)
    name = models.CharField("nom", max_length=200)
    producer = models.CharField("producteur", max_length=200)
    vintage = models.CharField("millésime", max_length=60)
    licence = models.CharField("licence", max_length=100, default="Licence Ouverte 2.0")
    url = models.URLField("adresse", blank=True)
    notes = models.TextField("remarques", blank=True)
    loaded_at = models.DateTimeField("chargé le", null=True, blank=True)
    row_count = models.PositiveIntegerField("nombre de lignes", default=0)

    class Meta:
        verbose_name = "source de données"
        verbose_name_plural = "sources de données"

    def __str__(self):
        return self.name
