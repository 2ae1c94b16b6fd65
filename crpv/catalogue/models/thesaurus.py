"""The thesaurus: SKOS concept schemes and concepts, with folded labels for autocomplete."""

from django.db import models
from django.db.models import Case, IntegerField, Value, When

from crpv.core.models import TimeStampedModel
from crpv.core.text import fold

LABEL_KEY_MAX_LENGTH = 1000


class ConceptScheme(TimeStampedModel):
    uri = models.CharField("URI", max_length=500, unique=True)
    title = models.CharField("titre", max_length=255)
    description = models.TextField("description", blank=True)

    class Meta:
        verbose_name = "thésaurus"
        verbose_name_plural = "thésaurus"
        ordering = ["title"]

    def __str__(self):
        return self.title


class ConceptQuerySet(models.QuerySet):
    def active(self):
        return self.filter(deprecated=False)

    def top(self):
        return self.filter(broader__isnull=True)

    def matching(self, query):
        """Concepts whose preferred or alternative labels contain every folded word of `query`.

        Preferred labels starting with the query come first, then the others
        in alphabetical order: what a label autocomplete needs.
        """
        words = fold(query).split()
        if not words:
            return self.none()
        queryset = self
        for word in words:
            queryset = queryset.filter(label_key__folded_contains=word)
        first = fold(query)
        return queryset.annotate(
            _rank=Case(When(pref_key__startswith=first, then=Value(0)), default=Value(1), output_field=IntegerField())
        ).order_by("_rank", "pref_key")

    def by_label(self):
        """{folded label: concept id} for every preferred and alternative label (imports)."""
        labels = {}
        for pk, alts in self.values_list("pk", "alt_labels"):
            for alt in alts or []:
                labels.setdefault(fold(alt), pk)
        for pk, pref in self.values_list("pk", "pref_label"):
            labels[fold(pref)] = pk  # preferred labels win over alternative ones
        return labels


class Concept(TimeStampedModel):
    scheme = models.ForeignKey(
        ConceptScheme, verbose_name="thésaurus", on_delete=models.CASCADE, related_name="concepts"
    )
    uri = models.CharField("URI", max_length=500, unique=True)
    notation = models.CharField("notation", max_length=50, blank=True)
    pref_label = models.CharField("terme préférentiel", max_length=255)
    alt_labels = models.JSONField("termes non préférentiels", default=list, blank=True)
    scope_note = models.TextField("note d'application", blank=True)
    definition = models.TextField("définition", blank=True)
    broader = models.ManyToManyField(
        "self", verbose_name="termes génériques", symmetrical=False, related_name="narrower", blank=True
    )
    related = models.ManyToManyField("self", verbose_name="termes associés", symmetrical=True, blank=True)
    deprecated = models.BooleanField("obsolète", default=False)
    replaced_by = models.ForeignKey(
        "self", verbose_name="remplacé par", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pref_key = models.CharField("clé du terme", max_length=255, editable=False, db_index=True)
    label_key = models.CharField("clé des termes", max_length=LABEL_KEY_MAX_LENGTH, editable=False, blank=True)

    objects = ConceptQuerySet.as_manager()

    class Meta:
        verbose_name = "concept"
        verbose_name_plural = "concepts"
        ordering = ["pref_key"]

    def __str__(self):
        return self.pref_label

    def compute_keys(self):
        self.pref_key = fold(self.pref_label)[:255]
        self.label_key = " | ".join(fold(label) for label in [self.pref_label, *(self.alt_labels or [])])[
            :LABEL_KEY_MAX_LENGTH
        ]

    def save(self, *args, **kwargs):
        self.compute_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "pref_key", "label_key"}
        super().save(*args, **kwargs)
