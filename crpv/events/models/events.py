import datetime
import secrets
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Exists, F, Max, Min, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from crpv.contacts.models import LegalBasis, Network, Person, Role, Theme
from crpv.core.files import ProtectedFileField, file_name
from crpv.core.models import TimeStampedModel
from crpv.programme.models import Action, Partner
from crpv.territories.models import Commune, Departement, Epci

from ..richtext import sanitise_html
from .choices import EventFormat, EventMode, EventStatus, PersonField, QuestionKind

# A session of up to this length on one day counts as one demi-journée.
HALF_DAY_MAX = datetime.timedelta(hours=4)
WORKDAY_START, WORKDAY_END = datetime.time(8), datetime.time(18)


def count_half_days(starts_at, ends_at):
    """Demi-journées (the unit ANCT uses) for a session from `starts_at` to `ends_at`.

    The rule, applied in the centre's time zone:

    - a session within one calendar day counts **1** demi-journée when it
      lasts 4 hours or less (a 1 h 30 webinar, a morning), **2** when it lasts
      more than 4 hours (a full day);
    - a session spanning several calendar days (a 2-day training entered as
      one session) counts each day by the same rule, over a working day of
      08:00–18:00: the first day from the start to 18:00, the last day from
      08:00 to the end, and **2** for each day in between.

    A cycle's total is the sum over its sessions; an event held for two
    groups counts each session once (the unit measures the centre's
    activity, not the participants).
    """
    if not starts_at or not ends_at or ends_at <= starts_at:
        return 0
    start = timezone.localtime(starts_at)
    end = timezone.localtime(ends_at)
    if start.date() == end.date():
        return 1 if end - start <= HALF_DAY_MAX else 2
    total = 0
    day = start.date()
    while day <= end.date():
        opening = timezone.make_aware(datetime.datetime.combine(day, WORKDAY_START), start.tzinfo)
        closing = timezone.make_aware(datetime.datetime.combine(day, WORKDAY_END), start.tzinfo)
        lo = start if day == start.date() else opening
        hi = end if day == end.date() else closing
        if day == start.date() and day != end.date():
            hi = max(closing, lo)
        if day == end.date() and day != start.date():
            lo = min(opening, hi)
        if hi > lo:
            total += 1 if hi - lo <= HALF_DAY_MAX else 2
        day += datetime.timedelta(days=1)
    return total


class QuestionTemplate(TimeStampedModel):
    """A reusable registration question (copied onto an event's form)."""

    label = models.CharField("intitulé", max_length=300)
    kind = models.CharField("type de réponse", max_length=20, choices=QuestionKind, default=QuestionKind.TEXT)
    choices = models.TextField("choix proposés", blank=True, help_text="un choix par ligne")
    help_text = models.CharField("aide", max_length=300, blank=True)
    required = models.BooleanField("réponse obligatoire", default=False)
    person_field = models.CharField(
        "met à jour la fiche de la personne",
        max_length=30,
        choices=PersonField,
        blank=True,
        help_text="la réponse remplace ce champ de la fiche dans la base Acteurs",
    )

    class Meta:
        verbose_name = "modèle de question"
        verbose_name_plural = "modèles de questions"
        ordering = ["label"]

    def __str__(self):
        return self.label


class EventQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=EventStatus.PUBLISHED)

    def with_dates(self):
        return self.annotate(first_start=Min("sessions__starts_at"), last_end=Max("sessions__ends_at"))

    def with_session_bounds(self):
        """`first_start` and `last_end` (as `with_dates()`) through correlated subqueries.

        Each reads 1 row of the (event, starts_at) index, or the event's few
        sessions, instead of grouping every event row with its sessions: on
        the agenda (2 000 events) the aggregate made the count and the page
        query ~55 ms on SQLite.
        """
        sessions = Session.objects.filter(event=OuterRef("pk"))
        return self.annotate(
            first_start=Subquery(sessions.order_by("starts_at").values("starts_at")[:1]),
            last_end=Subquery(sessions.order_by("-ends_at").values("ends_at")[:1]),
        )

    def _ending_after(self, now):
        return Exists(Session.objects.filter(event=OuterRef("pk"), ends_at__gte=now))

    def upcoming(self, now=None):
        """Events whose last session ends at `now` or later (last_end >= now), soonest first."""
        now = now or timezone.now()
        return self.filter(self._ending_after(now)).with_session_bounds().order_by("first_start", "pk")

    def past(self, now=None):
        """Events with sessions, all ended before `now` (last_end < now), latest first."""
        now = now or timezone.now()
        has_sessions = Exists(Session.objects.filter(event=OuterRef("pk")))
        return (
            self.filter(has_sessions)
            .exclude(self._ending_after(now))
            .with_session_bounds()
            .order_by("-first_start", "-pk")
        )

    def open_for_registration(self, now=None):
        now = now or timezone.now()
        return (
            self.published()
            .filter(invitation_only=False)
            .filter(Q(registration_opens_at__isnull=True) | Q(registration_opens_at__lte=now))
            .filter(Q(registration_closes_at__isnull=True) | Q(registration_closes_at__gt=now))
        )

    def for_action(self, action):
        return self.filter(actions=action)


def _unique_slug(model, base, pk=None):
    base = (slugify(base) or "evenement")[:80]
    slug, n = base, 2
    while model.objects.filter(slug=slug).exclude(pk=pk).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


class Event(TimeStampedModel):
    """Something the centre organises: a webinar, a day, a cycle of sessions…

    Seats are counted in `seats_taken`, changed only by `crpv.events.operations`
    with a conditional UPDATE (see `take_seat`), and the database refuses
    `seats_taken > capacity`.
    """

    title = models.CharField("titre", max_length=250)
    slug = models.SlugField("adresse (slug)", max_length=100, unique=True, blank=True)
    format = models.CharField("format", max_length=20, choices=EventFormat)
    mode = models.CharField("modalité", max_length=12, choices=EventMode, default=EventMode.IN_PERSON)
    status = models.CharField("statut", max_length=12, choices=EventStatus, default=EventStatus.DRAFT)
    summary = models.CharField("résumé", max_length=400, blank=True)
    description = models.TextField("description", blank=True, help_text="texte enrichi, nettoyé à l'enregistrement")
    place_name = models.CharField("lieu", max_length=250, blank=True)
    address = models.CharField("adresse", max_length=300, blank=True)
    commune = models.ForeignKey(
        Commune, verbose_name="commune", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    visio_url = models.URLField(
        "lien de visioconférence", blank=True, help_text="communiqué seulement aux personnes inscrites"
    )
    actions = models.ManyToManyField(Action, verbose_name="actions du programme", blank=True, related_name="events")
    themes = models.ManyToManyField(Theme, verbose_name="thématiques", blank=True, related_name="events")
    partners = models.ManyToManyField(
        Partner, verbose_name="partenaires co-organisateurs", blank=True, related_name="events"
    )
    speakers = models.ManyToManyField(
        Person, verbose_name="intervenant·es de la base", blank=True, related_name="events_as_speaker"
    )
    speakers_text = models.TextField("intervenant·es (texte libre)", blank=True, help_text="un nom par ligne")
    target_roles = models.JSONField(
        "rôles visés", default=list, blank=True, help_text=f"parmi : {', '.join(Role.values)}"
    )
    target_networks = models.ManyToManyField(
        Network, verbose_name="réseaux visés", blank=True, related_name="targeted_by_events"
    )
    target_departements = models.ManyToManyField(
        Departement, verbose_name="départements visés", blank=True, related_name="+"
    )
    target_epcis = models.ManyToManyField(Epci, verbose_name="EPCI visés", blank=True, related_name="+")
    publics_text = models.TextField("publics (texte libre)", blank=True)

    registration_enabled = models.BooleanField("inscription en ligne", default=True)
    registration_opens_at = models.DateTimeField("ouverture des inscriptions", null=True, blank=True)
    registration_closes_at = models.DateTimeField("clôture des inscriptions", null=True, blank=True)
    capacity = models.PositiveIntegerField("nombre de places", null=True, blank=True, help_text="vide : illimité")
    seats_taken = models.PositiveIntegerField("places prises", default=0, editable=False)
    approval_required = models.BooleanField("validation par l'équipe", default=False)
    invitation_only = models.BooleanField(
        "sur invitation seulement", default=False, help_text="inscription fermée : seulement par lien personnel"
    )
    waiting_list_enabled = models.BooleanField("liste d'attente", default=True)
    offer_hours = models.PositiveSmallIntegerField("délai pour confirmer une place proposée (heures)", default=48)
    team_registration = models.BooleanField(
        "inscription par équipes de territoire",
        default=False,
        help_text="cycle à quotas : chaque territoire inscrit son équipe par son ou sa référent·e",
    )
    legal_basis = models.CharField(
        "base légale des inscriptions", max_length=20, choices=LegalBasis, default=LegalBasis.PUBLIC_TASK
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="créé par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = "événement"
        verbose_name_plural = "événements"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(seats_taken__lte=F("capacity")),
                name="events_event_no_overbooking",
                violation_error_message="Il y a plus d'inscriptions que de places.",
            ),
            models.CheckConstraint(
                condition=Q(registration_opens_at__isnull=True)
                | Q(registration_closes_at__isnull=True)
                | Q(registration_closes_at__gt=F("registration_opens_at")),
                name="events_event_registration_dates_in_order",
                violation_error_message="La clôture des inscriptions précède leur ouverture.",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.description = sanitise_html(self.description)
        if not self.slug:
            self.slug = _unique_slug(Event, self.title, self.pk)
        super().save(*args, **kwargs)

    def clean(self):
        unknown = [r for r in self.target_roles or [] if r not in Role.values]
        if unknown:
            raise ValidationError({"target_roles": f"Rôles inconnus : {', '.join(unknown)}."})
        if self.capacity is not None and self.pk and self.capacity < self.seats_taken:
            raise ValidationError(
                {"capacity": f"{self.seats_taken} places sont déjà prises : la jauge ne peut pas être inférieure."}
            )

    def get_absolute_url(self):
        return reverse("events:detail", args=[self.slug])

    @property
    def is_published(self):
        return self.status == EventStatus.PUBLISHED

    @property
    def seats_left(self):
        if self.capacity is None:
            return None
        return max(0, self.capacity - self.seats_taken)

    @property
    def target_role_labels(self):
        labels = dict(Role.choices)
        return [labels.get(r, r) for r in self.target_roles or []]

    def registration_closed_reason(self, now=None):
        """Why a public registration is refused now, in French, or "" when open."""
        now = now or timezone.now()
        if self.status == EventStatus.CANCELLED:
            return "Cet événement est annulé."
        if self.status != EventStatus.PUBLISHED:
            return "Cet événement n'est pas publié."
        if not self.registration_enabled:
            return "Cet événement ne prend pas d'inscription en ligne."
        if self.registration_opens_at and now < self.registration_opens_at:
            return f"Les inscriptions ouvrent le {timezone.localtime(self.registration_opens_at):%d/%m/%Y à %H:%M}."
        if self.registration_closes_at and now >= self.registration_closes_at:
            return "Les inscriptions sont closes."
        return ""

    def half_days(self):
        return sum(s.half_days for s in self.sessions.all())


class Session(TimeStampedModel):
    """One dated meeting of an event (a cycle has several, for one cohort).

    `half_days` is computed on save by `count_half_days` (see its docstring:
    ≤ 4 h in a day = 1 demi-journée, more = 2; a 1 h 30 webinar = 1).
    """

    event = models.ForeignKey(Event, verbose_name="événement", on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField("intitulé de la séance", max_length=250, blank=True)
    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin")
    mode = models.CharField(
        "modalité", max_length=12, choices=EventMode, blank=True, help_text="vide : celle de l'événement"
    )
    place_name = models.CharField("lieu", max_length=250, blank=True, help_text="vide : celui de l'événement")
    address = models.CharField("adresse", max_length=300, blank=True)
    visio_url = models.URLField("lien de visioconférence", blank=True, help_text="vide : celui de l'événement")
    half_days = models.PositiveSmallIntegerField("demi-journées", default=0, editable=False)
    cancelled = models.BooleanField("séance annulée", default=False)

    class Meta:
        verbose_name = "séance"
        verbose_name_plural = "séances"
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="events_session_ends_after_start",
                violation_error_message="La fin de la séance doit suivre son début.",
            ),
        ]
        indexes = [models.Index(fields=["event", "starts_at"], name="events_session_event_start")]

    def __str__(self):
        when = timezone.localtime(self.starts_at).strftime("%d/%m/%Y %H:%M") if self.starts_at else "?"
        return f"{self.event} — {self.title or when}"

    def save(self, *args, **kwargs):
        self.half_days = count_half_days(self.starts_at, self.ends_at)
        super().save(*args, **kwargs)

    @property
    def duration(self):
        return self.ends_at - self.starts_at

    @property
    def effective_mode(self):
        return self.mode or self.event.mode

    @property
    def effective_place(self):
        return self.place_name or self.event.place_name

    @property
    def effective_address(self):
        return self.address or self.event.address

    @property
    def effective_visio_url(self):
        return self.visio_url or self.event.visio_url


DOCUMENT_EXTENSIONS = {".pdf", ".odt", ".ods", ".odp", ".docx", ".xlsx", ".pptx", ".png", ".jpg", ".jpeg", ".txt"}


def validate_document(file):
    limit = settings.CRPV_MAX_UPLOAD_MB * 1024 * 1024
    if file.size is not None and file.size > limit:
        raise ValidationError(
            f"Le fichier dépasse la taille maximale ({settings.CRPV_MAX_UPLOAD_MB} Mo).", code="too_large"
        )
    if PurePath(file.name).suffix.lower() not in DOCUMENT_EXTENSIONS:
        raise ValidationError(
            f"Type de fichier refusé. Formats acceptés : {', '.join(sorted(DOCUMENT_EXTENSIONS))}.",
            code="bad_extension",
        )


def document_path(instance, filename):
    suffix = PurePath(filename).suffix.lower()
    return f"events/{instance.event_id or 'nouveau'}/{secrets.token_hex(8)}{suffix}"


class DocumentKind(models.TextChoices):
    """What a document after the event is; the public page groups them in this order."""

    REPLAY = "replay", "replay"
    PRESENTATION = "presentation", "présentation"
    SYNTHESIS = "synthese", "synthèse"
    OTHER = "autre", "autre"


# A replay (or any link) is an http(s) address: never javascript:, data: or ftp:.
validate_web_url = URLValidator(schemes=["http", "https"], message="Saisissez une adresse web (http ou https).")


class EventDocument(TimeStampedModel):
    """A resource of the event: an uploaded file, a link (a replay) or a record of the catalogue.

    The database refuses a document with none of the three.
    """

    event = models.ForeignKey(Event, verbose_name="événement", on_delete=models.CASCADE, related_name="documents")
    title = models.CharField("titre", max_length=250)
    kind = models.CharField("type", max_length=12, choices=DocumentKind, default=DocumentKind.OTHER)
    file = ProtectedFileField("fichier", upload_to=document_path, validators=[validate_document], blank=True)
    url = models.URLField(
        "lien (replay)", max_length=500, blank=True, validators=[validate_web_url], help_text="adresse http ou https"
    )
    record = models.ForeignKey(
        "catalogue.Record",
        verbose_name="notice du catalogue",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="event_documents",
    )
    public = models.BooleanField("visible sur la page publique", default=True)

    class Meta:
        verbose_name = "document de l'événement"
        verbose_name_plural = "documents de l'événement"
        ordering = ["event", "title"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(file="") | ~Q(url="") | Q(record__isnull=False),
                name="events_eventdocument_file_url_or_record",
                violation_error_message="Joignez un fichier, indiquez un lien ou le numéro d'une notice du catalogue.",
            ),
        ]

    def __str__(self):
        return self.title

    def get_file_url(self):
        """The file through the application, which checks access (never MEDIA_URL: docs/deploiement.md)."""
        return reverse("events:document_file", args=[self.pk, file_name(self.file)])

    @property
    def href(self):
        """Where the document's title links to: its file, its link, or its record's page ("" for none)."""
        if self.file:
            return self.file.url
        if self.url:
            return self.url
        if self.record_id and self.shows_record and hasattr(self.record, "get_absolute_url"):
            return self.record.get_absolute_url()
        return ""

    @property
    def shows_record(self):
        """A record is shown only while it is public in the catalogue."""
        return self.record_id is not None and self.record.visibility == self.record.Visibility.PUBLIC

    @property
    def is_shown(self):
        """Something to show on the public page (a record made private leaves nothing)."""
        return bool(self.file or self.url or self.shows_record)


class EventQuestion(models.Model):
    """An extra question of one event's registration form."""

    event = models.ForeignKey(Event, verbose_name="événement", on_delete=models.CASCADE, related_name="questions")
    template = models.ForeignKey(
        QuestionTemplate,
        verbose_name="modèle",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="uses",
        help_text="choisir un modèle recopie son intitulé, son type et ses choix",
    )
    position = models.PositiveSmallIntegerField("ordre", default=1)
    label = models.CharField("intitulé", max_length=300, blank=True)
    kind = models.CharField("type de réponse", max_length=20, choices=QuestionKind, default=QuestionKind.TEXT)
    choices = models.TextField("choix proposés", blank=True, help_text="un choix par ligne")
    help_text = models.CharField("aide", max_length=300, blank=True)
    required = models.BooleanField("réponse obligatoire", default=False)
    person_field = models.CharField(
        "met à jour la fiche de la personne", max_length=30, choices=PersonField, blank=True
    )

    class Meta:
        verbose_name = "question d'inscription"
        verbose_name_plural = "questions d'inscription"
        ordering = ["event", "position", "pk"]

    def __str__(self):
        return self.label

    def save(self, *args, **kwargs):
        if self.template_id and not self.label:
            t = self.template
            self.label, self.kind, self.choices = t.label, t.kind, t.choices
            self.help_text, self.required, self.person_field = t.help_text, t.required, t.person_field
        super().save(*args, **kwargs)

    @property
    def choice_list(self):
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class Team(TimeStampedModel):
    """A territory's team in a cycle with per-territory quotas.

    Its lead (référent·e) registers the team's members through a personal
    link, up to `capacity` seats, and may replace a member by a colleague of
    the same structure.
    """

    event = models.ForeignKey(Event, verbose_name="événement", on_delete=models.CASCADE, related_name="teams")
    name = models.CharField("territoire", max_length=250)
    epci = models.ForeignKey(
        Epci, verbose_name="EPCI", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lead = models.ForeignKey(
        Person, verbose_name="référent·e", on_delete=models.PROTECT, related_name="led_event_teams"
    )
    capacity = models.PositiveSmallIntegerField("places de l'équipe", default=5)
    seats_taken = models.PositiveSmallIntegerField("places prises", default=0, editable=False)
    key = models.CharField("clé du lien", max_length=43, unique=True, editable=False)

    class Meta:
        verbose_name = "équipe de territoire"
        verbose_name_plural = "équipes de territoire"
        ordering = ["event", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(seats_taken__lte=F("capacity")),
                name="events_team_no_overbooking",
                violation_error_message="L'équipe a plus de membres que de places.",
            ),
            models.UniqueConstraint(fields=["event", "name"], name="events_team_unique_name"),
        ]

    def __str__(self):
        return f"{self.event} — {self.name}"

    def save(self, *args, **kwargs):
        if not self.key:
            self.key = secrets.token_urlsafe(24)
        super().save(*args, **kwargs)
