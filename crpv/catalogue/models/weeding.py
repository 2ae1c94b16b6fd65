"""Weeding (désherbage): rules per record type, use history, decisions, digital scans.

Decisions are append-only: a new decision on a copy or a record is a new row,
the current state being the latest one. Nothing here deletes a file.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from ..formats.base import RECORD_TYPES
from .records import Copy, Record

# IOUPI (BPI, 1986) and MUSTIE (CREW) negative factors, with their French labels.
CRITERIA = {
    "ioupi_i_incorrect": "I — incorrect (information fausse)",
    "ioupi_o_ordinaire": "O — ordinaire (superficiel, médiocre)",
    "ioupi_u_use": "U — usé (état matériel)",
    "ioupi_p_perime": "P — périmé (information dépassée)",
    "ioupi_i_inadequat": "I — inadéquat (hors du fonds ou de son public)",
    "mustie_m_trompeur": "M — trompeur (misleading)",
    "mustie_u_laid": "U — laid, abîmé (ugly)",
    "mustie_s_remplace": "S — remplacé par une édition plus récente (superseded)",
    "mustie_t_trivial": "T — trivial",
    "mustie_i_hors_sujet": "I — hors sujet (irrelevant)",
    "mustie_e_ailleurs": "E — disponible ailleurs (elsewhere)",
}


class WeedingRule(models.Model):
    """A segment's rule: « X / Y / IOUPI » — X years since publication, Y years without use, factors."""

    name = models.CharField("intitulé", max_length=150)
    record_type = models.CharField(
        "type de document",
        max_length=20,
        choices=list(RECORD_TYPES.items()),
        blank=True,
        help_text="Vide : la règle par défaut, pour les types sans règle propre.",
    )
    max_age_years = models.PositiveSmallIntegerField(
        "ancienneté (années depuis la publication)", null=True, blank=True, help_text="Le X de la formule."
    )
    min_years_unused = models.PositiveSmallIntegerField(
        "années sans prêt ni consultation", null=True, blank=True, help_text="Le Y de la formule."
    )
    conditions = models.JSONField(
        "états qui désignent l'exemplaire", default=list, blank=True, help_text="Par exemple « usé », « abîmé »."
    )
    check_superseded = models.BooleanField("signaler les éditions remplacées", default=True)
    max_copies = models.PositiveSmallIntegerField(
        "exemplaires à garder au plus", null=True, blank=True, help_text="Au-delà, les exemplaires en surnombre."
    )
    criteria = models.JSONField("facteurs IOUPI / MUSTIE retenus", default=list, blank=True)
    is_active = models.BooleanField("active", default=True)

    class Meta:
        verbose_name = "règle de désherbage"
        verbose_name_plural = "règles de désherbage"
        ordering = ["record_type", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["record_type"], condition=Q(is_active=True), name="catalogue_weeding_one_active_rule_per_type"
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        unknown = [c for c in self.criteria or [] if c not in CRITERIA]
        if unknown:
            raise ValidationError({"criteria": f"facteurs inconnus : {', '.join(unknown)}"})
        wrong = [c for c in self.conditions or [] if c not in Copy.Condition.values]
        if wrong:
            raise ValidationError({"conditions": f"états inconnus : {', '.join(wrong)}"})

    @property
    def formula(self):
        """« 10/5/UP »: the notation librarians use for a segment."""
        letters = "".join(CRITERIA[c][0] for c in self.criteria or [] if c in CRITERIA)
        age = self.max_age_years if self.max_age_years is not None else "–"
        unused = self.min_years_unused if self.min_years_unused is not None else "–"
        return f"{age}/{unused}/{letters}" if letters else f"{age}/{unused}"

    def criteria_labels(self):
        return [CRITERIA[c] for c in self.criteria or [] if c in CRITERIA]


class CopyUse(models.Model):
    """A loan or an on-site consultation of a copy: the « last use » of weeding rules."""

    class Kind(models.TextChoices):
        LOAN = "pret", "prêt"
        CONSULTATION = "consultation", "consultation sur place"

    copy = models.ForeignKey(Copy, verbose_name="exemplaire", on_delete=models.CASCADE, related_name="uses")
    kind = models.CharField("nature", max_length=20, choices=Kind.choices, default=Kind.LOAN)
    used_on = models.DateField("date", db_index=True)

    class Meta:
        verbose_name = "usage d'un exemplaire"
        verbose_name_plural = "usages des exemplaires"
        ordering = ["-used_on", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} du {self.used_on:%d/%m/%Y}"


class WeedingDecisionQuerySet(models.QuerySet):
    def latest_per_target(self):
        """The current decision of each copy (or record without copies): the last row written for it."""
        newer_for_copy = WeedingDecision.objects.filter(
            copy_id=models.OuterRef("copy_id"), pk__gt=models.OuterRef("pk")
        )
        newer_for_record = WeedingDecision.objects.filter(
            copy__isnull=True, record_id=models.OuterRef("record_id"), pk__gt=models.OuterRef("pk")
        )
        return self.filter(
            (Q(copy__isnull=False) & ~models.Exists(newer_for_copy))
            | (Q(copy__isnull=True) & ~models.Exists(newer_for_record))
        )


class WeedingDecision(models.Model):
    """One step of the weeding history of a copy (or of a record without copies). Never updated."""

    class Decision(models.TextChoices):
        PROPOSED = "propose", "proposé au désherbage"
        KEEP = "garder", "garder"
        DISCARD = "eliminer", "éliminer (pilon)"
        ARCHIVES = "archives", "transférer aux archives"
        PARTNER = "partenaire", "proposer à un partenaire"

    WITHDRAWING = (Decision.DISCARD, Decision.ARCHIVES, Decision.PARTNER)

    copy = models.ForeignKey(
        Copy, verbose_name="exemplaire", null=True, blank=True, on_delete=models.CASCADE, related_name="weeding"
    )
    record = models.ForeignKey(Record, verbose_name="notice", on_delete=models.CASCADE, related_name="weeding")
    decision = models.CharField("décision", max_length=20, choices=Decision.choices)
    reason = models.TextField("motif")
    criteria = models.JSONField("critères constatés", default=list, blank=True)
    rule = models.ForeignKey(
        WeedingRule, verbose_name="règle", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    partner = models.CharField("partenaire destinataire", max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="décidé par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("date", auto_now_add=True, db_index=True)

    objects = WeedingDecisionQuerySet.as_manager()

    class Meta:
        verbose_name = "décision de désherbage"
        verbose_name_plural = "décisions de désherbage"
        ordering = ["-decided_at", "-pk"]

    def __str__(self):
        return f"{self.get_decision_display()} — {self.copy or self.record}"


class DigitalScan(models.Model):
    """One inventory of the configured server folder (digital weeding). It never deletes anything."""

    started_at = models.DateTimeField("début", auto_now_add=True)
    root = models.CharField("dossier analysé", max_length=500)
    file_count = models.PositiveIntegerField("fichiers lus", default=0)
    total_size = models.PositiveBigIntegerField("volume lu (octets)", default=0)
    skipped = models.JSONField("éléments ignorés", default=list, blank=True)
    older_than_years = models.PositiveSmallIntegerField("seuil « très ancien » (années)", default=10)
    larger_than_mb = models.PositiveIntegerField("seuil « volumineux » (Mo)", default=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="lancé par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "analyse des fichiers numériques"
        verbose_name_plural = "analyses des fichiers numériques"
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        return f"analyse du {self.started_at:%d/%m/%Y %H:%M}"


class DigitalFileFinding(models.Model):
    class Kind(models.TextChoices):
        DUPLICATE = "doublon", "doublon (même empreinte)"
        OLD = "ancien", "très ancien"
        ORPHAN = "orphelin", "lié à aucune notice"
        LARGE = "volumineux", "volumineux"

    scan = models.ForeignKey(DigitalScan, verbose_name="analyse", on_delete=models.CASCADE, related_name="findings")
    path = models.CharField("chemin (relatif au dossier analysé)", max_length=1000)
    size = models.PositiveBigIntegerField("taille (octets)")
    modified_at = models.DateTimeField("modifié le")
    sha256 = models.CharField("empreinte SHA-256", max_length=64, db_index=True)
    kinds = models.JSONField("constats", default=list)
    proposed_for_elimination = models.BooleanField("proposé à l'élimination", default=False)

    class Meta:
        verbose_name = "constat sur un fichier"
        verbose_name_plural = "constats sur les fichiers"
        ordering = ["scan", "path"]

    def __str__(self):
        return self.path

    def kind_labels(self):
        labels = dict(self.Kind.choices)
        return [labels.get(k, k) for k in self.kinds]
