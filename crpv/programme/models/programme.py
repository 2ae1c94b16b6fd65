"""The yearly programme: Programme → Axis → Action → Target, with partners,
calendar windows and deliverables. Staff edit it in the admin; the import
(`operations.import_programme`) fills it from the centre's document."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from crpv.core.models import TimeStampedModel
from crpv.programme import parsing


class Unit(models.TextChoices):
    SESSION = "session", "session"
    JOURNEE = "journee", "journée"
    DEMI_JOURNEE = "demi_journee", "demi-journée"
    WEBINAIRE = "webinaire", "webinaire"
    RENCONTRE = "rencontre", "rencontre"
    VISITE = "visite", "visite"
    EVENEMENT = "evenement", "événement"
    CONFERENCE = "conference", "conférence"
    SEMINAIRE = "seminaire", "séminaire"
    ATELIER = "atelier", "atelier"
    FORMATION = "formation", "formation"
    TERRITOIRE = "territoire", "territoire"
    PARTICIPANT = "participant", "participant"
    MODULE = "module", "module"
    REUNION = "reunion", "réunion"
    CYCLE = "cycle", "cycle"
    APPEL = "appel", "appel à contribution"


class Period(models.TextChoices):
    AN = "an", "par an"
    SEMESTRE = "semestre", "par semestre"
    MOIS = "mois", "par mois"
    TOTAL = "total", "sur le programme"


class Format(models.TextChoices):
    PRESENTIEL = "presentiel", "présentiel"
    DISTANCIEL = "distanciel", "distanciel"
    HYBRIDE = "hybride", "hybride"
    UNSPECIFIED = "unspecified", "non précisé"


class DeliverableKind(models.TextChoices):
    INFOGRAPHIE = "infographie", "infographie"
    SYNTHESE = "synthese", "synthèse"
    KIT = "kit", "kit"
    FICHE = "fiche", "fiches"
    PUBLICATION = "publication", "publication"
    AUTRE = "autre", "autre"


class Programme(TimeStampedModel):
    year = models.PositiveSmallIntegerField("année", unique=True)
    title = models.CharField("titre", max_length=255, blank=True)
    intro = models.TextField("introduction", blank=True)

    class Meta:
        verbose_name = "programme"
        verbose_name_plural = "programmes"
        ordering = ["-year"]

    def __str__(self):
        return f"Programme {self.year}"


class Partner(models.Model):
    name = models.CharField("nom", max_length=255, unique=True)
    short_name = models.CharField("sigle", max_length=50, blank=True)

    class Meta:
        verbose_name = "partenaire"
        verbose_name_plural = "partenaires"
        ordering = ["name"]

    def __str__(self):
        return self.short_name or self.name


class Axis(models.Model):
    programme = models.ForeignKey(Programme, verbose_name="programme", on_delete=models.CASCADE, related_name="axes")
    number = models.PositiveSmallIntegerField("numéro")
    roman = models.CharField("numéro en chiffres romains", max_length=10)
    title = models.CharField("titre", max_length=500)
    description = models.TextField("présentation", blank=True)
    objectives = models.TextField("objectifs", blank=True, help_text="un objectif par ligne")
    position = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "axe"
        verbose_name_plural = "axes"
        ordering = ["programme", "position", "number"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="programme_axis_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="programme_axis_number_positive"),
        ]

    def __str__(self):
        return f"{self.roman}. {self.title}"


class Action(models.Model):
    axis = models.ForeignKey(Axis, verbose_name="axe", on_delete=models.CASCADE, related_name="actions")
    number = models.PositiveSmallIntegerField("numéro imprimé", help_text="tel qu'écrit dans le programme")
    position = models.PositiveSmallIntegerField("position dans l'axe")
    title = models.CharField("titre", max_length=500)
    description = models.TextField("description", blank=True)
    objectives = models.TextField("objectifs", blank=True, help_text="un objectif par ligne")
    publics = models.TextField("publics", blank=True, help_text="un public par ligne")
    partners = models.ManyToManyField(Partner, verbose_name="partenaires", blank=True, related_name="actions")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="responsable",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="programme_actions",
    )

    class Meta:
        verbose_name = "action"
        verbose_name_plural = "actions"
        ordering = ["axis__programme", "axis__position", "axis__number", "position"]
        constraints = [
            models.UniqueConstraint(fields=["axis", "position"], name="programme_action_unique_position"),
            models.CheckConstraint(condition=Q(position__gte=1), name="programme_action_position_positive"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    @property
    def code(self):
        """ "II.3": the axis numeral and the position (the printed number may repeat)."""
        return f"{self.axis.roman}.{self.position}"


class Target(models.Model):
    action = models.ForeignKey(Action, verbose_name="action", on_delete=models.CASCADE, related_name="targets")
    position = models.PositiveSmallIntegerField("ordre")
    quantity = models.PositiveSmallIntegerField("quantité")
    quantity_max = models.PositiveSmallIntegerField(
        "quantité maximale", null=True, blank=True, help_text="pour une fourchette : « 4 à 5 territoires »"
    )
    approximate = models.BooleanField("approximative", default=False, help_text="« une trentaine »")
    unit = models.CharField("unité", max_length=20, choices=Unit.choices)
    period = models.CharField("période", max_length=10, choices=Period.choices, default=Period.TOTAL)
    format = models.CharField("format", max_length=12, choices=Format.choices, default=Format.UNSPECIFIED)
    source = models.TextField("phrase du programme", blank=True)

    class Meta:
        verbose_name = "objectif chiffré"
        verbose_name_plural = "objectifs chiffrés"
        ordering = ["action", "position"]
        constraints = [
            models.UniqueConstraint(fields=["action", "position"], name="programme_target_unique_position"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="programme_target_quantity_positive"),
            models.CheckConstraint(
                condition=Q(quantity_max__isnull=True) | Q(quantity_max__gte=F("quantity")),
                name="programme_target_max_not_below_quantity",
            ),
        ]

    def __str__(self):
        return f"{self.quantity_display} {self.unit_display}"

    @property
    def quantity_display(self):
        text = f"{self.quantity} à {self.quantity_max}" if self.quantity_max else str(self.quantity)
        return f"environ {text}" if self.approximate else text

    @property
    def unit_display(self):
        singular, plural = parsing.UNITS.get(self.unit, (self.unit, self.unit))
        return plural if (self.quantity_max or self.quantity) > 1 else singular

    @property
    def goal(self):
        """The number the achievement is measured against (the low end of a range)."""
        return self.quantity


class CalendarWindow(models.Model):
    action = models.ForeignKey(Action, verbose_name="action", on_delete=models.CASCADE, related_name="calendar")
    position = models.PositiveSmallIntegerField("ordre", default=1)
    label = models.CharField("période telle qu'écrite", max_length=255)
    start_month = models.PositiveSmallIntegerField("mois de début", null=True, blank=True)
    end_month = models.PositiveSmallIntegerField("mois de fin", null=True, blank=True)
    start_year = models.PositiveSmallIntegerField("année de début", null=True, blank=True)
    end_year = models.PositiveSmallIntegerField("année de fin", null=True, blank=True)

    class Meta:
        verbose_name = "période du calendrier"
        verbose_name_plural = "calendrier"
        ordering = ["action", "position"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(start_month__isnull=True) | Q(start_month__gte=1, start_month__lte=12))
                & (Q(end_month__isnull=True) | Q(end_month__gte=1, end_month__lte=12)),
                name="programme_window_valid_months",
            ),
        ]

    def __str__(self):
        return self.label


class Deliverable(models.Model):
    action = models.ForeignKey(Action, verbose_name="action", on_delete=models.CASCADE, related_name="deliverables")
    position = models.PositiveSmallIntegerField("ordre", default=1)
    kind = models.CharField("type", max_length=20, choices=DeliverableKind.choices)
    label = models.CharField("libellé", max_length=255)

    class Meta:
        verbose_name = "livrable"
        verbose_name_plural = "livrables"
        ordering = ["action", "position"]

    def __str__(self):
        return self.label
