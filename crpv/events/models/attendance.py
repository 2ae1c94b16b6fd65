"""Attendance per session, the event's attendance rules, bulk attestation runs."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from crpv.core.models import TimeStampedModel

from .events import Event, Session
from .registrations import Registration

DEFAULT_COMPLETION_RATIO = 0.8
DEFAULT_MIN_PRESENCE_RATIO = 0.5


class AttendanceSource(models.TextChoices):
    SHEET = "emargement", "feuille d'émargement"
    CHECK_IN = "accueil", "accueil (tablette)"
    VISIO = "visio", "rapport de visioconférence"
    STAFF = "equipe", "saisie par l'équipe"


class AttendanceQuerySet(models.QuerySet):
    def present(self):
        return self.filter(present=True)

    def for_event(self, event):
        return self.filter(session__event=event)

    def counted(self):
        """Present at a session that took place (cancelled sessions never count)."""
        return self.present().filter(session__cancelled=False)


class Attendance(models.Model):
    """Whether one registered person attended one session (one row per pair).

    Written only by `crpv.events.attendance`; "no row" means "not marked yet".
    """

    session = models.ForeignKey(Session, verbose_name="séance", on_delete=models.CASCADE, related_name="attendances")
    registration = models.ForeignKey(
        Registration, verbose_name="inscription", on_delete=models.CASCADE, related_name="attendances"
    )
    present = models.BooleanField("présent·e", default=True)
    minutes = models.PositiveIntegerField("minutes de présence", null=True, blank=True)
    source = models.CharField("origine", max_length=12, choices=AttendanceSource, default=AttendanceSource.STAFF)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="pointé·e par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    marked_at = models.DateTimeField("pointé·e le", default=timezone.now)

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = "présence"
        verbose_name_plural = "présences"
        ordering = ["session", "registration"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "registration"],
                name="events_attendance_once_per_session",
                violation_error_message="La présence de cette personne à cette séance est déjà notée.",
            ),
        ]

    def __str__(self):
        state = "présent·e" if self.present else "absent·e"
        return f"{self.registration.person} — {self.session} : {state}"


class AttendanceRules(models.Model):
    """The attendance rules of one event (defaults apply when there is no row)."""

    event = models.OneToOneField(
        Event, verbose_name="événement", on_delete=models.CASCADE, related_name="attendance_rules"
    )
    completion_ratio = models.FloatField(
        "part des séances à suivre pour valider le parcours",
        default=DEFAULT_COMPLETION_RATIO,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="entre 0 et 1 : 0,8 = au moins 80 % des séances",
    )
    min_presence_ratio = models.FloatField(
        "part de la séance à suivre en visio pour être présent·e",
        default=DEFAULT_MIN_PRESENCE_RATIO,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="entre 0 et 1 : 0,5 = au moins la moitié de la durée de la séance",
    )

    class Meta:
        verbose_name = "règles de présence"
        verbose_name_plural = "règles de présence"
        constraints = [
            models.CheckConstraint(
                condition=Q(completion_ratio__gte=0, completion_ratio__lte=1)
                & Q(min_presence_ratio__gte=0, min_presence_ratio__lte=1),
                name="events_attendancerules_ratios_between_0_and_1",
            ),
        ]

    def __str__(self):
        return f"règles de présence — {self.event}"

    @classmethod
    def for_event(cls, event):
        """The event's rules, or unsaved defaults."""
        rules = cls.objects.filter(event=event).first()
        return rules or cls(event=event)


class AttestationRunStatus(models.TextChoices):
    QUEUED = "en_file", "en file d'attente"
    RUNNING = "en_cours", "en cours"
    DONE = "terminee", "terminée"
    FAILED = "echec", "échec"


class AttestationRun(TimeStampedModel):
    """One bulk generation of an event's attestations, with its progress."""

    event = models.ForeignKey(
        Event, verbose_name="événement", on_delete=models.CASCADE, related_name="attestation_runs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="demandée par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField("état", max_length=10, choices=AttestationRunStatus, default=AttestationRunStatus.QUEUED)
    total = models.PositiveIntegerField("attestations à produire", default=0)
    done = models.PositiveIntegerField("attestations produites", default=0)
    archive = models.CharField("archive ZIP (chemin dans le stockage)", max_length=300, blank=True)
    error = models.TextField("erreur", blank=True)
    finished_at = models.DateTimeField("terminée le", null=True, blank=True)

    class Meta:
        verbose_name = "production d'attestations"
        verbose_name_plural = "productions d'attestations"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"attestations — {self.event} ({self.get_status_display()})"

    @property
    def percent(self):
        if self.status == AttestationRunStatus.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, int(100 * self.done / self.total))

    @property
    def finished(self):
        return self.status in (AttestationRunStatus.DONE, AttestationRunStatus.FAILED)
