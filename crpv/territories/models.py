"""The geography the centre serves, keyed on official codes.

Every row keeps the vintage of the data it came from (`cog_year` for the COG,
`geography_year` for the priority geography) and a folded `search_key` for
accent-insensitive search (see `crpv.core.search`).
"""

from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.text import slugify

from crpv.core.models import TimeStampedModel
from crpv.core.search import SEARCH_KEY_MAX_LENGTH, build_search_key


class SearchableMixin(models.Model):
    """Keeps `search_key` = `build_search_key(*search_terms())`.

    `save()` computes it; bulk writes (`bulk_create`/`bulk_update`, see
    `operations.py`) call `compute_search_key()` themselves.
    """

    search_key = models.CharField(
        "clé de recherche", max_length=SEARCH_KEY_MAX_LENGTH, blank=True, editable=False, db_index=True
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.search_key = self.compute_search_key()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "search_key" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "search_key"]
        super().save(*args, **kwargs)

    def search_terms(self):
        return [self.name, getattr(self, "code", "")]

    def compute_search_key(self):
        return build_search_key(*self.search_terms())


class SlugMixin(models.Model):
    """A stable public identifier for rows without an official code."""

    slug = models.SlugField("identifiant", max_length=120, unique=True, blank=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:120]
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

    def get_absolute_url(self):
        return reverse("territories:departement_detail", args=[self.code])


class EpciQuerySet(models.QuerySet):
    def in_departement(self, code):
        return self.filter(departements__code=code)

    def with_counts(self):
        return self.annotate(commune_count=Count("communes", distinct=True), qpv_count=Count("qpvs", distinct=True))


class Epci(SearchableMixin, TimeStampedModel):
    code = models.CharField("SIREN", max_length=9, unique=True)
    name = models.CharField("nom", max_length=200)
    kind = models.CharField("nature juridique", max_length=10, blank=True)  # METRO, CU, CA, CC
    population = models.PositiveIntegerField("population totale", null=True, blank=True)
    departements = models.ManyToManyField(Departement, verbose_name="départements", related_name="epcis", blank=True)
    cog_year = models.PositiveSmallIntegerField("millésime du COG")

    objects = EpciQuerySet.as_manager()

    KIND_LABELS = {
        "METRO": "métropole",
        "ME": "métropole",
        "CU": "communauté urbaine",
        "CA": "communauté d'agglomération",
        "CC": "communauté de communes",
    }

    class Meta:
        verbose_name = "EPCI"
        verbose_name_plural = "EPCI"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("territories:epci_detail", args=[self.code])

    @property
    def kind_label(self):
        return self.KIND_LABELS.get(self.kind, self.kind)


class CommuneQuerySet(models.QuerySet):
    def in_departement(self, code):
        return self.filter(departement__code=code)


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
    former_codes = models.JSONField(
        "anciens codes INSEE",
        default=list,
        blank=True,
        help_text="Codes de communes fusionnées depuis, pour lire les fichiers d'un millésime antérieur du COG.",
    )
    population = models.PositiveIntegerField("population", null=True, blank=True)
    cog_year = models.PositiveSmallIntegerField("millésime du COG")

    objects = CommuneQuerySet.as_manager()

    class Meta:
        verbose_name = "commune"
        verbose_name_plural = "communes"
        ordering = ["name", "code"]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def get_absolute_url(self):
        return reverse("territories:commune_detail", args=[self.code])

    def search_terms(self):
        return [self.name, self.code, *self.postal_codes]


class ContratDeVilleQuerySet(models.QuerySet):
    def in_departement(self, code):
        return self.filter(departement__code=code)

    def with_carrier(self):
        return self.select_related("departement", "carrier_epci", "carrier_commune")

    def with_qpv_count(self):
        return self.annotate(qpv_count=Count("qpvs", distinct=True))


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

    objects = ContratDeVilleQuerySet.as_manager()

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

    def get_absolute_url(self):
        return reverse("territories:contrat_detail", args=[self.code])

    @property
    def carrier(self):
        return self.carrier_epci or self.carrier_commune


class QpvQuerySet(models.QuerySet):
    def in_departement(self, code):
        return self.filter(departement__code=code)

    def in_contrat(self, code):
        """QPV attached to the contract, or still candidate to it."""
        return self.filter(Q(contrat_de_ville__code=code) | Q(candidate_contrats__code=code)).distinct()

    def in_epci(self, epci):
        return self.filter(epcis=epci)

    def to_review(self):
        return self.filter(needs_review=True)

    def for_list(self):
        return self.select_related("departement", "contrat_de_ville").prefetch_related(
            "communes", "candidate_contrats"
        )


class Qpv(SearchableMixin, TimeStampedModel):
    """A quartier prioritaire (geography of 1 January 2024)."""

    class ContratSource(models.TextChoices):
        FILE = "fichier", "fichier de référence"
        OFFICIAL = "officiel", "SIREN de l'EPCI du fichier officiel"
        STAFF = "equipe", "décision de l'équipe"

    code = models.CharField("code", max_length=10, unique=True)
    name = models.CharField("nom", max_length=200)
    departement = models.ForeignKey(
        Departement, verbose_name="département", on_delete=models.PROTECT, related_name="qpvs"
    )
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
    contrat_source = models.CharField(
        "origine du rattachement",
        max_length=10,
        choices=ContratSource.choices,
        default=ContratSource.FILE,
        help_text="« décision de l'équipe » : un rechargement du référentiel ne modifie plus le rattachement.",
    )
    needs_review = models.BooleanField(
        "à vérifier",
        default=False,
        help_text="Le rattachement au contrat de ville doit être tranché par l'équipe.",
    )
    review_note = models.CharField("note de vérification", max_length=300, blank=True)
    geography_year = models.PositiveSmallIntegerField("millésime de la géographie prioritaire", default=2024)

    objects = QpvQuerySet.as_manager()

    class Meta:
        verbose_name = "quartier prioritaire (QPV)"
        verbose_name_plural = "quartiers prioritaires (QPV)"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def get_absolute_url(self):
        return reverse("territories:qpv_detail", args=[self.code])


class ProjetRenouvellement(SlugMixin, SearchableMixin, TimeStampedModel):
    """An urban renewal project (NPNRU) of national (QIN) or regional (QIR) interest."""

    class Interest(models.TextChoices):
        NATIONAL = "national", "intérêt national (QIN)"
        REGIONAL = "regional", "intérêt régional (QIR)"

    name = models.CharField("nom", max_length=250)
    interest = models.CharField("intérêt", max_length=10, choices=Interest.choices)
    territory_label = models.CharField(
        "territoire indiqué par la source", max_length=200, blank=True, help_text="Commune(s) ou EPCI, tel que cité."
    )
    departement = models.ForeignKey(
        Departement, verbose_name="département", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    communes = models.ManyToManyField(
        Commune, verbose_name="communes", related_name="projets_renouvellement", blank=True
    )
    qpvs = models.ManyToManyField(Qpv, verbose_name="QPV", related_name="projets_renouvellement", blank=True)
    source = models.CharField("source", max_length=300, blank=True)

    class Meta:
        verbose_name = "projet de renouvellement urbain"
        verbose_name_plural = "projets de renouvellement urbain"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("territories:projet_detail", args=[self.slug])

    def search_terms(self):
        return [self.name, "NPNRU"]


class CiteEducative(SlugMixin, SearchableMixin, TimeStampedModel):
    name = models.CharField("nom", max_length=250, unique=True)
    anct_id = models.CharField("identifiant ANCT", max_length=20, blank=True)
    label_year = models.PositiveSmallIntegerField("année de labellisation", null=True, blank=True)
    departement = models.ForeignKey(
        Departement, verbose_name="département", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    communes = models.ManyToManyField(Commune, verbose_name="communes", related_name="cites_educatives", blank=True)
    qpvs = models.ManyToManyField(Qpv, verbose_name="QPV", related_name="cites_educatives", blank=True)
    source = models.CharField("source", max_length=300, blank=True)

    class Meta:
        verbose_name = "cité éducative"
        verbose_name_plural = "cités éducatives"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("territories:cite_detail", args=[self.slug])

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
    checksum = models.CharField("empreinte SHA-256 du fichier", max_length=64, blank=True)

    class Meta:
        verbose_name = "source de données"
        verbose_name_plural = "sources de données"

    def __str__(self):
        return self.name
