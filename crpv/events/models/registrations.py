import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from crpv.contacts.models import LegalBasis, Person
from crpv.core.models import TimeStampedModel

from .choices import SEAT_STATUSES, InvitationResponse, RegistrationSource, RegistrationStatus
from .events import Event, Team


def new_key():
    """A random key (192 bits) put in signed links instead of any row id."""
    return secrets.token_urlsafe(24)


class RegistrationQuerySet(models.QuerySet):
    def holding_seats(self):
        return self.filter(status__in=SEAT_STATUSES)

    def confirmed(self):
        return self.filter(status=RegistrationStatus.CONFIRMED)

    def waiting_list(self):
        """People waiting for a seat, first come first served."""
        return self.filter(status=RegistrationStatus.WAITLISTED).order_by("waitlisted_at", "pk")

    def pending(self):
        return self.filter(status=RegistrationStatus.PENDING)


class Registration(TimeStampedModel):
    """One person's registration to one event (a cycle: all its sessions).

    Unique per (event, person) in the database. Status changes go through
    `crpv.events.operations`, which also keeps `Event.seats_taken` (and the
    team's) equal to the number of registrations in `SEAT_STATUSES`.
    """

    event = models.ForeignKey(Event, verbose_name="événement", on_delete=models.PROTECT, related_name="registrations")
    person = models.ForeignKey(Person, verbose_name="personne", on_delete=models.PROTECT, related_name="registrations")
    status = models.CharField("statut", max_length=20, choices=RegistrationStatus, db_index=True)
    source = models.CharField("origine", max_length=20, choices=RegistrationSource, default=RegistrationSource.PUBLIC)
    team = models.ForeignKey(
        Team, verbose_name="équipe", null=True, blank=True, on_delete=models.PROTECT, related_name="registrations"
    )
    registered_by = models.ForeignKey(
        Person,
        verbose_name="inscrit·e par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registrations_made",
    )
    answers = models.JSONField("réponses aux questions", default=dict, blank=True)
    legal_basis = models.CharField("base légale", max_length=20, choices=LegalBasis, default=LegalBasis.PUBLIC_TASK)
    key = models.CharField("clé des liens", max_length=43, unique=True, default=new_key, editable=False)
    confirmed_at = models.DateTimeField("confirmée le", null=True, blank=True)
    waitlisted_at = models.DateTimeField("mise en liste d'attente le", null=True, blank=True)
    offered_at = models.DateTimeField("place proposée le", null=True, blank=True)
    offer_expires_at = models.DateTimeField("offre valable jusqu'au", null=True, blank=True)
    cancelled_at = models.DateTimeField("annulée le", null=True, blank=True)
    reminder_sent_at = models.DateTimeField("rappel envoyé le", null=True, blank=True)
    replaced_by = models.OneToOneField(
        "self",
        verbose_name="remplacée par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaces",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="validée ou refusée par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = "inscription"
        verbose_name_plural = "inscriptions"
        ordering = ["event", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "person"],
                name="events_registration_once_per_event",
                violation_error_message="Cette personne est déjà inscrite à cet événement.",
            ),
            models.CheckConstraint(
                condition=~Q(status=RegistrationStatus.WAITLISTED) | Q(waitlisted_at__isnull=False),
                name="events_registration_waitlist_dated",
            ),
        ]
        indexes = [models.Index(fields=["event", "status", "waitlisted_at"], name="events_reg_waitlist")]

    def __str__(self):
        return f"{self.person} — {self.event} ({self.get_status_display()})"

    @property
    def holds_seat(self):
        return self.status in SEAT_STATUSES

    @property
    def is_active(self):
        return self.status in (*SEAT_STATUSES, RegistrationStatus.WAITLISTED)


class Invitation(TimeStampedModel):
    """A personal invitation to an event (closed events are reached only so)."""

    event = models.ForeignKey(Event, verbose_name="événement", on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey(Person, verbose_name="personne", on_delete=models.PROTECT, related_name="invitations")
    key = models.CharField("clé du lien", max_length=43, unique=True, default=new_key, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="invitée par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_at = models.DateTimeField("envoyée le", null=True, blank=True)
    reminded_at = models.DateTimeField("relancée le", null=True, blank=True)
    reminders = models.PositiveSmallIntegerField("nombre de relances", default=0)
    response = models.CharField("réponse", max_length=10, choices=InvitationResponse, blank=True)
    responded_at = models.DateTimeField("répondu le", null=True, blank=True)
    registration = models.OneToOneField(
        Registration,
        verbose_name="inscription",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitation",
    )

    class Meta:
        verbose_name = "invitation"
        verbose_name_plural = "invitations"
        ordering = ["event", "person"]
        constraints = [
            models.UniqueConstraint(fields=["event", "person"], name="events_invitation_once_per_event"),
        ]

    def __str__(self):
        return f"{self.person} — {self.event}"

    @property
    def answered(self):
        return bool(self.response)
