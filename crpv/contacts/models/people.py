import datetime

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from crpv.core.models import TimeStampedModel
from crpv.core.text import fold
from crpv.territories.models import ContratDeVille, Departement, Epci, Qpv

from ..validators import normalise_email
from .choices import LegalBasis, Role
from .organisations import Organisation


class Theme(models.Model):
    """A field of the politique de la ville a professional works on."""

    slug = models.SlugField("clé", max_length=60, unique=True)
    name = models.CharField("nom", max_length=120)

    class Meta:
        verbose_name = "thématique"
        verbose_name_plural = "thématiques"
        ordering = ["name"]

    def __str__(self):
        return self.name


class PersonQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_anonymised=False)

    def with_email(self, email):
        return self.filter(email=normalise_email(email))

    def search(self, text):
        return self.filter(folded_name__contains=fold(text))


class Person(TimeStampedModel):
    """A professional (or resident) the centre works with."""

    first_name = models.CharField("prénom", max_length=150, blank=True)
    last_name = models.CharField("nom", max_length=150)
    folded_name = models.CharField("nom normalisé", max_length=310, editable=False, db_index=True)
    email = models.EmailField("courriel", max_length=254, blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    mobile_phone = models.CharField("téléphone portable", max_length=30, blank=True)
    function_title = models.CharField("fonction", max_length=250, blank=True)
    themes = models.ManyToManyField(Theme, verbose_name="thématiques", related_name="people", blank=True)
    contrats_de_ville = models.ManyToManyField(
        ContratDeVille, verbose_name="contrats de ville d'intervention", related_name="people", blank=True
    )
    epcis = models.ManyToManyField(Epci, verbose_name="EPCI d'intervention", related_name="people", blank=True)
    qpvs = models.ManyToManyField(Qpv, verbose_name="QPV d'intervention", related_name="people", blank=True)
    departements = models.ManyToManyField(
        Departement, verbose_name="départements d'intervention", related_name="people", blank=True
    )
    legal_basis = models.CharField(
        "base légale du traitement", max_length=20, choices=LegalBasis, default=LegalBasis.PUBLIC_TASK
    )
    source = models.CharField("origine de la fiche", max_length=200, blank=True)
    last_own_action_at = models.DateTimeField(
        "dernière action de la personne",
        null=True,
        blank=True,
        db_index=True,
        help_text=(
            "Inscription, réponse, mise à jour de ses données… : le point de départ de la durée de conservation."
        ),
    )
    repermission_sent_at = models.DateTimeField("demande de renouvellement envoyée le", null=True, blank=True)
    is_anonymised = models.BooleanField("anonymisée", default=False)
    anonymised_at = models.DateTimeField("anonymisée le", null=True, blank=True)
    notes = models.TextField("remarques", blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = "personne"
        verbose_name_plural = "personnes"
        ordering = ["last_name", "first_name", "pk"]
        indexes = [
            models.Index(fields=["last_name", "first_name", "id"], name="contacts_person_order"),
            # The few anonymised people: the unfiltered list counts all rows minus these
            # (crpv.contacts.segments.count_active_people) instead of filtering every row.
            models.Index(fields=["id"], condition=models.Q(is_anonymised=True), name="contacts_person_anonymised"),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="contacts_person_email_ci_unique",
                violation_error_message="Une personne de la base a déjà cette adresse électronique.",
            ),
        ]

    def __str__(self):
        return self.full_name or f"personne n° {self.pk}"

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    @staticmethod
    def fold_name(first_name, last_name):
        return fold(f"{first_name} {last_name}")[:310]

    def save(self, *args, **kwargs):
        self.normalise()
        super().save(*args, **kwargs)

    def normalise(self):
        """The derived fields `save()` keeps in step (callers inserting directly call it too)."""
        self.email = normalise_email(self.email)
        self.folded_name = self.fold_name(self.first_name, self.last_name)


class DatedQuerySet(models.QuerySet):
    def current(self, on=None):
        """Rows in force on `on` (today by default): started and not ended."""
        on = on or timezone.localdate()
        return self.filter(
            models.Q(start_date__isnull=True) | models.Q(start_date__lte=on),
            models.Q(end_date__isnull=True) | models.Q(end_date__gte=on),
        )


def _dates_in_order(prefix):
    return models.CheckConstraint(
        name=f"{prefix}_dates_in_order",
        condition=models.Q(start_date__isnull=True)
        | models.Q(end_date__isnull=True)
        | models.Q(end_date__gte=models.F("start_date")),
        violation_error_message="La date de fin précède la date de début.",
    )


class Position(TimeStampedModel):
    """A role a person holds in a structure, over a period."""

    person = models.ForeignKey(Person, verbose_name="personne", on_delete=models.CASCADE, related_name="positions")
    organisation = models.ForeignKey(
        Organisation, verbose_name="structure", on_delete=models.PROTECT, related_name="positions"
    )
    role = models.CharField("rôle", max_length=30, choices=Role, default=Role.OTHER)
    start_date = models.DateField("début", null=True, blank=True)
    end_date = models.DateField("fin", null=True, blank=True)

    objects = DatedQuerySet.as_manager()

    class Meta:
        verbose_name = "poste"
        verbose_name_plural = "postes"
        ordering = ["-start_date", "pk"]
        constraints = [_dates_in_order("contacts_position")]
        indexes = [
            models.Index(fields=["organisation", "person"], name="contacts_position_org_person"),
            # Covering indexes of the segment criteria (crpv.contacts.segments): people by role,
            # people by role in a set of structures, read without touching the table.
            models.Index(fields=["role", "person"], name="contacts_position_role_person"),
            models.Index(fields=["organisation", "role", "person"], name="contacts_position_org_role"),
        ]

    def __str__(self):
        return f"{self.person} — {self.get_role_display()} — {self.organisation}"

    def is_current(self, on=None):
        on = on or datetime.date.today()
        return (self.start_date is None or self.start_date <= on) and (self.end_date is None or self.end_date >= on)
