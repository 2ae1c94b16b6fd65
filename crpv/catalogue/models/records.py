"""Bibliographic records, their authors, copies, attachments and links."""

import hashlib
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from crpv.core.files import ProtectedFileField, file_name
from crpv.core.models import TimeStampedModel
from crpv.core.text import fold
from crpv.territories.models import Commune, ContratDeVille, Departement, Epci, Qpv

from ..formats.base import AUTHOR_ROLES, RECORD_TYPES, normalize_isbn, normalize_issn
from .authorities import Agent
from .thesaurus import Concept

TITLE_KEY_MAX_LENGTH = 255


_LEADING_ARTICLE = re.compile(r"^(?:le|la|les|l|un|une|des|du|de la|the|a|an) ")


def title_key(title, nonsort=0):
    """Folded title without its non-sorting prefix: the key for sorting and duplicates.

    A leading article counts as non-sorting even when the source did not mark
    it, so « Les quartiers » and « \x88Les \x89quartiers » are the same title.
    """
    key = fold((title or "")[nonsort or 0 :])
    return _LEADING_ARTICLE.sub("", key, count=1)[:TITLE_KEY_MAX_LENGTH]


def validate_isbn(value):
    try:
        normalize_isbn(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def validate_issn(value):
    try:
        normalize_issn(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


class ImportBatch(models.Model):
    """One file imported into the catalogue, with its report."""

    created_at = models.DateTimeField("date", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="importé par", null=True, blank=True, on_delete=models.SET_NULL
    )
    file_format = models.CharField("format", max_length=20)
    filename = models.CharField("fichier", max_length=255, blank=True)
    source_name = models.CharField("source", max_length=200, blank=True)
    mode = models.CharField("mode", max_length=20)
    created_count = models.PositiveIntegerField("notices créées", default=0)
    duplicate_count = models.PositiveIntegerField("doublons écartés", default=0)
    error_count = models.PositiveIntegerField("notices en erreur", default=0)
    report = models.JSONField("rapport", default=dict, blank=True)

    class Meta:
        verbose_name = "lot d'import"
        verbose_name_plural = "lots d'import"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.filename or self.file_format} ({self.created_at:%d/%m/%Y})"


class RecordQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def deleted(self):
        return self.filter(deleted_at__isnull=False)

    def public(self):
        return self.alive().filter(visibility=Record.Visibility.PUBLIC)

    def toolbox(self):
        """The public *boîte à outils*: the centre's own public productions."""
        return self.public().filter(is_centre_production=True)

    def changed_since(self, moment):
        """Records (tombstones included) changed since `moment`: OAI-PMH datestamps."""
        return self.filter(updated_at__gte=moment).order_by("updated_at", "pk")

    def of_type(self, *types):
        return self.filter(record_type__in=types)

    def in_territory(self, territory):
        field = {
            Qpv: "qpvs",
            ContratDeVille: "contrats_de_ville",
            Epci: "epcis",
            Commune: "communes",
            Departement: "departements",
        }[type(territory)]
        return self.filter(**{field: territory})

    def with_subject(self, concept, include_narrower=True):
        ids = {concept.pk}
        if include_narrower:
            frontier = {concept.pk}
            while frontier:
                frontier = (
                    set(
                        Concept.broader.through.objects.filter(to_concept_id__in=frontier).values_list(
                            "from_concept_id", flat=True
                        )
                    )
                    - ids
                )
                ids |= frontier
        return self.filter(subjects__in=ids).distinct()

    def for_display(self):
        return self.select_related("parent").prefetch_related("authorships__agent", "subjects")

    def for_export(self):
        return self.select_related("parent").prefetch_related(
            "authorships__agent",
            "subjects",
            "copies",
            "links",
            "departements",
            "epcis",
            models.Prefetch("communes", queryset=Commune.objects.select_related("departement")),
        )


class Record(TimeStampedModel):
    class Visibility(models.TextChoices):
        PUBLIC = "public", "public"
        STAFF = "staff", "équipe seulement"

    class Origin(models.TextChoices):
        LOCAL = "local", "saisie locale"
        IMPORT = "import", "import de fichier"
        HARVEST = "harvest", "moissonnage d'un partenaire"

    record_type = models.CharField("type de document", max_length=20, choices=list(RECORD_TYPES.items()))
    title = models.CharField("titre", max_length=500)
    title_nonsort = models.PositiveSmallIntegerField(
        "caractères ignorés au tri", default=0, help_text="Nombre de caractères de l'article initial (« Les » : 4)."
    )
    subtitle = models.CharField("complément du titre", max_length=500, blank=True)
    part = models.CharField("partie, numéro", max_length=200, blank=True, help_text="Tomaison ou « n° 12 ».")
    responsibility = models.CharField("mention de responsabilité", max_length=500, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name="notice mère",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="parts",
        help_text="La revue d'un numéro, le numéro d'un article, l'ouvrage d'un chapitre.",
    )
    host_title = models.CharField(
        "titre de la publication hôte",
        max_length=500,
        blank=True,
        help_text="Si la notice mère n'est pas au catalogue.",
    )
    edition = models.CharField("édition", max_length=200, blank=True)
    publisher = models.CharField("éditeur", max_length=255, blank=True)
    place = models.CharField("lieu de publication", max_length=200, blank=True)
    publication_year = models.PositiveSmallIntegerField("année", null=True, blank=True, db_index=True)
    date_text = models.CharField("date telle qu'écrite", max_length=100, blank=True)
    extent = models.CharField("importance matérielle", max_length=200, blank=True, help_text="Pages, durée…")
    series = models.CharField("collection", max_length=255, blank=True)
    series_number = models.CharField("numéro dans la collection", max_length=50, blank=True)
    isbn = models.CharField("ISBN", max_length=20, blank=True, validators=[validate_isbn])
    issn = models.CharField("ISSN", max_length=12, blank=True, validators=[validate_issn])
    language = models.CharField("langue", max_length=3, default="fre", blank=True, help_text="Code ISO 639-2.")
    abstract = models.TextField("résumé", blank=True)
    contents = models.TextField("sommaire", blank=True)
    notes = models.TextField("notes", blank=True)
    subjects = models.ManyToManyField(Concept, verbose_name="descripteurs", related_name="records", blank=True)
    keywords = models.JSONField("mots-clés libres", default=list, blank=True)
    themes = models.JSONField("thèmes du programme", default=list, blank=True)
    qpvs = models.ManyToManyField(Qpv, verbose_name="QPV", related_name="+", blank=True)
    contrats_de_ville = models.ManyToManyField(
        ContratDeVille, verbose_name="contrats de ville", related_name="+", blank=True
    )
    epcis = models.ManyToManyField(Epci, verbose_name="EPCI", related_name="+", blank=True)
    communes = models.ManyToManyField(Commune, verbose_name="communes", related_name="+", blank=True)
    departements = models.ManyToManyField(Departement, verbose_name="départements", related_name="+", blank=True)
    is_centre_production = models.BooleanField(
        "production du centre", default=False, help_text="Les productions publiques forment la boîte à outils."
    )
    visibility = models.CharField("visibilité", max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    shared_with_reci = models.BooleanField(
        "partagée avec le réseau RECI", default=False, help_text="Exposée dans l'ensemble OAI-PMH « reci »."
    )
    origin = models.CharField("origine", max_length=10, choices=Origin.choices, default=Origin.LOCAL)
    source_name = models.CharField("source", max_length=200, blank=True, help_text="Partenaire ou fichier d'origine.")
    source_identifier = models.CharField("identifiant dans la source", max_length=200, blank=True)
    import_batch = models.ForeignKey(
        ImportBatch,
        verbose_name="lot d'import",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="records",
    )
    title_key = models.CharField("clé du titre", max_length=TITLE_KEY_MAX_LENGTH, editable=False)
    deleted_at = models.DateTimeField("supprimée le", null=True, blank=True, db_index=True)
    oai_withdrawn_at = models.DateTimeField(
        "retirée du moissonnage le",
        null=True,
        blank=True,
        editable=False,
        help_text="Passée de « public » à « équipe seulement » : annoncée comme supprimée en OAI-PMH.",
    )
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = RecordQuerySet.as_manager()

    class Meta:
        verbose_name = "notice"
        verbose_name_plural = "notices"
        ordering = ["title_key", "pk"]
        # Each index costs every import (15 → 10 on PostgreSQL in migration 0014, docs/adr/0004): none repeats
        # another's leading column, and the ISBN/ISSN ones are plain (exact lookups: no `LIKE` pattern index).
        indexes = [
            # Duplicates by title + year, the title order; also the title key alone.
            models.Index(fields=["title_key", "publication_year"], name="catalogue_title_year"),
            models.Index(fields=["isbn"], name="catalogue_record_isbn"),
            models.Index(fields=["issn"], name="catalogue_record_issn"),
            # OAI-PMH pages walk records by (updated_at, id); also `updated_at` alone.
            models.Index(fields=["updated_at", "id"], name="catalogue_record_oai_cursor"),
            # `public()` restricted to a search's candidate ids reads only this index on SQLite (a covering
            # index: no record row read, ~18 → ~8 ms for 5 000 candidates on 200 000 records); it also serves
            # the public catalogue's most recent first. docs/adr/0004.
            models.Index(fields=["visibility", "deleted_at", "id"], name="catalogue_record_public"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(origin="harvest") | ~Q(source_identifier=""),
                name="catalogue_harvested_has_identifier",
                violation_error_message="Une notice moissonnée garde son identifiant dans la source.",
            )
        ]

    def __str__(self):
        return f"{self.title} ({self.publication_year})" if self.publication_year else self.title

    def get_absolute_url(self):
        return reverse("catalogue:record", args=[self.pk])

    def clean(self):
        errors = {}
        for name, normalise in (("isbn", normalize_isbn), ("issn", normalize_issn)):
            value = getattr(self, name)
            if value:
                try:
                    setattr(self, name, normalise(value))
                except ValueError as exc:
                    errors[name] = str(exc)
        if self.parent_id and self.parent_id == self.pk:
            errors["parent"] = "Une notice ne peut pas être sa propre notice mère."
        if errors:
            raise ValidationError(errors)

    def compute_keys(self):
        self.title_key = title_key(self.title, self.title_nonsort)

    @classmethod
    def from_db(cls, db, field_names, values):
        record = super().from_db(db, field_names, values)
        # The visibility as stored, to notice a public record becoming staff-only (absent when deferred).
        record._stored_visibility = record.__dict__.get("visibility")
        return record

    def track_withdrawal(self):
        """Note when a public record of the centre stops being public (OAI-PMH persistent deletions).

        Harvesters that copied it must learn it is gone: the provider keeps
        answering with a deleted header until it is public again.
        """
        if self.visibility == self.Visibility.PUBLIC:
            self.oai_withdrawn_at = None
            return
        if self.oai_withdrawn_at is not None or self.pk is None or self.origin == self.Origin.HARVEST:
            return
        stored = getattr(self, "_stored_visibility", None)
        if stored is None:
            stored = Record.objects.filter(pk=self.pk).values_list("visibility", flat=True).first()
        if stored == self.Visibility.PUBLIC:
            self.oai_withdrawn_at = timezone.now()

    def save(self, *args, **kwargs):
        self.compute_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "visibility" in update_fields:
            self.track_withdrawal()
        if update_fields is not None:
            extra = {"title_key", "oai_withdrawn_at"} if "visibility" in update_fields else {"title_key"}
            kwargs["update_fields"] = {*update_fields, *extra}
        super().save(*args, **kwargs)
        self._stored_visibility = self.visibility

    @property
    def is_deleted(self):
        return self.deleted_at is not None

    @property
    def sort_title(self):
        return self.title[self.title_nonsort :]

    def mark_deleted(self):
        """Keep the row as a tombstone (OAI-PMH persistent deletions)."""
        self.deleted_at = timezone.now()
        self.save(update_fields=["deleted_at", "updated_at"])

    def search_text(self):
        """The text a full-text index should hold for this record, weighted by repetition of the title."""
        parts = [self.title, self.title, self.subtitle, self.part, self.responsibility, self.host_title]
        parts += [str(a.agent) for a in self.authorships.all()]
        parts += [self.publisher, self.series]
        parts += [c.pref_label for c in self.subjects.all()]
        parts += [label for c in self.subjects.all() for label in c.alt_labels]
        parts += [*self.keywords, *self.themes, self.abstract, self.contents, self.notes]
        return "\n".join(p for p in parts if p)


class Authorship(models.Model):
    record = models.ForeignKey(Record, verbose_name="notice", on_delete=models.CASCADE, related_name="authorships")
    agent = models.ForeignKey(Agent, verbose_name="auteur", on_delete=models.PROTECT, related_name="authorships")
    role = models.CharField("rôle", max_length=30, choices=list(AUTHOR_ROLES.items()), default="auteur")
    position = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "responsabilité"
        verbose_name_plural = "responsabilités"
        ordering = ["record", "position", "pk"]

    def __str__(self):
        return f"{self.agent} ({AUTHOR_ROLES.get(self.role, self.role)})"


class Copy(models.Model):
    """An *exemplaire* held by the centre."""

    class Status(models.TextChoices):
        AVAILABLE = "disponible", "disponible"
        ON_LOAN = "prete", "prêté"
        PROCESSING = "traitement", "en traitement"
        REFERENCE = "consultation", "consultation sur place"
        MISSING = "manquant", "manquant"
        WITHDRAWN = "retire", "retiré (désherbé)"

    class Condition(models.TextChoices):
        GOOD = "bon", "bon"
        WORN = "use", "usé"
        DAMAGED = "abime", "abîmé"

    record = models.ForeignKey(Record, verbose_name="notice", on_delete=models.CASCADE, related_name="copies")
    barcode = models.CharField("code-barres", max_length=50, blank=True, db_index=True)
    call_number = models.CharField("cote", max_length=100, blank=True)
    location = models.CharField("localisation", max_length=100, blank=True)
    status = models.CharField("statut", max_length=20, choices=Status.choices, default=Status.AVAILABLE)
    condition = models.CharField("état", max_length=10, choices=Condition.choices, default=Condition.GOOD)
    acquired_on = models.DateField("date d'acquisition", null=True, blank=True)
    note = models.CharField("note", max_length=255, blank=True)

    class Meta:
        verbose_name = "exemplaire"
        verbose_name_plural = "exemplaires"
        ordering = ["record", "call_number", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["barcode"], condition=~Q(barcode=""), name="catalogue_copy_unique_barcode")
        ]

    def __str__(self):
        return self.call_number or self.barcode or f"exemplaire {self.pk}"


LICENCES = {
    "lo-2.0": "Licence Ouverte 2.0",
    "cc-by-4.0": "CC BY 4.0",
    "cc-by-sa-4.0": "CC BY-SA 4.0",
    "cc-by-nc-4.0": "CC BY-NC 4.0",
    "cc-by-nc-nd-4.0": "CC BY-NC-ND 4.0",
    "droits-reserves": "tous droits réservés",
    "inconnue": "à vérifier",
}


class Attachment(models.Model):
    class Access(models.TextChoices):
        PUBLIC = "public", "public"
        STAFF = "staff", "équipe seulement"

    record = models.ForeignKey(Record, verbose_name="notice", on_delete=models.CASCADE, related_name="attachments")
    file = ProtectedFileField("fichier", upload_to="catalogue/%Y/")
    title = models.CharField("intitulé", max_length=255, blank=True)
    mime_type = models.CharField("type MIME", max_length=100, blank=True)
    size = models.PositiveBigIntegerField("taille (octets)", default=0, editable=False)
    sha256 = models.CharField("empreinte SHA-256", max_length=64, blank=True, editable=False, db_index=True)
    licence = models.CharField("licence", max_length=20, choices=list(LICENCES.items()), default="inconnue")
    access = models.CharField("accès", max_length=10, choices=Access.choices, default=Access.STAFF)
    added_at = models.DateTimeField("ajouté le", auto_now_add=True)

    class Meta:
        verbose_name = "fichier joint"
        verbose_name_plural = "fichiers joints"
        ordering = ["record", "pk"]

    def __str__(self):
        return self.title or self.file.name

    def save(self, *args, **kwargs):
        if self.file and (not self.sha256 or not getattr(self.file, "_committed", True)):
            self.compute_checksum()
        super().save(*args, **kwargs)

    def get_file_url(self):
        """The file through the application, which checks access (never MEDIA_URL: docs/deploiement.md)."""
        return reverse("catalogue:attachment_file", args=[self.pk, file_name(self.file)])

    def compute_checksum(self):
        """Size and SHA-256 of the file, read in chunks."""
        digest = hashlib.sha256()
        size = 0
        self.file.open("rb")
        try:
            for chunk in self.file.chunks():
                digest.update(chunk)
                size += len(chunk)
        finally:
            self.file.seek(0)
        self.size, self.sha256 = size, digest.hexdigest()


class Link(models.Model):
    class Kind(models.TextChoices):
        ONLINE = "acces", "accès en ligne"
        REPLAY = "replay", "replay"
        WEBSITE = "site", "site web"
        OTHER = "autre", "autre"

    record = models.ForeignKey(Record, verbose_name="notice", on_delete=models.CASCADE, related_name="links")
    url = models.URLField("adresse", max_length=1000)
    label = models.CharField("intitulé", max_length=255, blank=True)
    kind = models.CharField("nature", max_length=10, choices=Kind.choices, default=Kind.ONLINE)

    class Meta:
        verbose_name = "lien"
        verbose_name_plural = "liens"
        ordering = ["record", "pk"]

    def __str__(self):
        return self.label or self.url
