"""Satisfaction surveys sent after an event: questions, responses, answers."""

from django.db import models
from django.db.models import Count, Q
from django.utils import timezone

from crpv.core.models import TimeStampedModel

from .events import Event
from .registrations import Registration


class SurveyQuestionKind(models.TextChoices):
    SCALE = "echelle", "échelle"
    SINGLE = "choix", "choix unique"
    MULTIPLE = "choix_multiple", "choix multiple"
    TEXT = "texte", "texte libre"


class Survey(TimeStampedModel):
    """A questionnaire about one event, answered through personal links."""

    event = models.ForeignKey(Event, verbose_name="événement", on_delete=models.CASCADE, related_name="surveys")
    title = models.CharField("titre", max_length=250)
    intro = models.TextField("introduction", blank=True)
    anonymous = models.BooleanField(
        "réponses anonymes",
        default=True,
        help_text="aucune réponse n'est reliée à la personne qui l'a donnée",
    )
    opens_at = models.DateTimeField("ouverture", null=True, blank=True)
    closes_at = models.DateTimeField("clôture", null=True, blank=True)
    no_show_message = models.TextField(
        "message aux personnes inscrites absentes",
        blank=True,
        help_text="envoyé à la place du questionnaire, avec les documents et le replay de l'événement",
    )
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)

    class Meta:
        verbose_name = "questionnaire de satisfaction"
        verbose_name_plural = "questionnaires de satisfaction"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True) | Q(closes_at__isnull=True) | Q(closes_at__gt=models.F("opens_at")),
                name="events_survey_dates_in_order",
                violation_error_message="La clôture du questionnaire précède son ouverture.",
            ),
        ]

    def __str__(self):
        return self.title

    def closed_reason(self, now=None):
        """Why answers are refused now, in French, or "" when open."""
        now = now or timezone.now()
        if self.opens_at and now < self.opens_at:
            return f"Ce questionnaire ouvre le {timezone.localtime(self.opens_at):%d/%m/%Y à %H:%M}."
        if self.closes_at and now >= self.closes_at:
            return "Ce questionnaire est clos. Merci de votre intérêt."
        return ""


class SurveyQuestion(models.Model):
    survey = models.ForeignKey(
        Survey, verbose_name="questionnaire", on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField("ordre", default=1)
    kind = models.CharField("type", max_length=20, choices=SurveyQuestionKind, default=SurveyQuestionKind.SCALE)
    label = models.CharField("intitulé", max_length=300)
    help_text = models.CharField("aide", max_length=300, blank=True)
    choices = models.JSONField(
        "choix proposés",
        default=list,
        blank=True,
        help_text="choix unique ou multiple : la liste des choix ; "
        "échelle : les libellés des notes, de la plus basse à la plus haute",
    )
    required = models.BooleanField("réponse obligatoire", default=False)

    class Meta:
        verbose_name = "question du questionnaire"
        verbose_name_plural = "questions du questionnaire"
        ordering = ["survey", "position", "pk"]

    def __str__(self):
        return self.label

    @property
    def scale_points(self):
        """(value, label) pairs of a scale question: 1 to 5 unless labels say otherwise."""
        labels = [str(c) for c in self.choices or []] or ["1", "2", "3", "4", "5"]
        return [(n, label) for n, label in enumerate(labels, start=1)]


class SurveyResponse(models.Model):
    """One submitted questionnaire.

    `token_hash` (SHA-256 of the link's signed payload) refuses a second
    answer through the same link. For an anonymous survey the link carries a
    random nonce that is stored nowhere, and `registration` stays empty: no
    column leads back to the person.
    """

    survey = models.ForeignKey(
        Survey, verbose_name="questionnaire", on_delete=models.CASCADE, related_name="responses"
    )
    registration = models.ForeignKey(
        Registration,
        verbose_name="inscription",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_responses",
    )
    token_hash = models.CharField("empreinte du lien", max_length=64, editable=False)
    submitted_on = models.DateField("répondu le", default=timezone.localdate)

    class Meta:
        verbose_name = "réponse au questionnaire"
        verbose_name_plural = "réponses au questionnaire"
        ordering = ["survey", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "token_hash"],
                name="events_surveyresponse_once_per_link",
                violation_error_message="Ce questionnaire a déjà été rempli avec ce lien.",
            ),
        ]

    def __str__(self):
        return f"réponse n° {self.pk} — {self.survey}"


class SurveyAnswer(models.Model):
    response = models.ForeignKey(
        SurveyResponse, verbose_name="réponse", on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        SurveyQuestion, verbose_name="question", on_delete=models.CASCADE, related_name="answers"
    )
    number = models.PositiveSmallIntegerField("note", null=True, blank=True)
    selected = models.JSONField("choix", default=list, blank=True)
    text = models.TextField("texte", blank=True)

    class Meta:
        verbose_name = "réponse à une question"
        verbose_name_plural = "réponses aux questions"
        ordering = ["response", "question"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="events_surveyanswer_once_per_question"),
        ]

    def __str__(self):
        return f"{self.question} : {self.number or self.selected or self.text}"


class SurveyDeliveryQuerySet(models.QuerySet):
    def counts(self):
        """Messages by status, reminders, people asked and people who answered, in one query."""
        rows = self.aggregate(
            total=Count("pk"),
            queued=Count("pk", filter=Q(status=SurveyDelivery.Status.QUEUED)),
            sent=Count("pk", filter=Q(status=SurveyDelivery.Status.SENT)),
            failed=Count("pk", filter=Q(status=SurveyDelivery.Status.FAILED)),
            reminders=Count("pk", filter=Q(kind=SurveyDelivery.Kind.REMINDER)),
            asked=Count("pk", filter=Q(round=0, kind=SurveyDelivery.Kind.QUESTIONNAIRE)),
            answered=Count("pk", filter=Q(round=0, kind=SurveyDelivery.Kind.QUESTIONNAIRE, answered=True)),
        )
        return rows


class SurveyDelivery(models.Model):
    """One message of a survey to one registered person: the questionnaire, the no-show's
    documents and replay, or a reminder (`round` 1, 2…).

    Written with the send (or reminder) action, in its transaction; the task
    then sends each row and records its outcome. One first message per person
    and survey (`round` 0), so sending again mails only the people not mailed
    yet. `answered` is set when the person answers: for an anonymous survey it
    says *that* the person answered, never which response is theirs.
    """

    class Kind(models.TextChoices):
        QUESTIONNAIRE = "questionnaire", "questionnaire"
        FOLLOW_UP = "suivi", "documents et replay (absent·e)"
        REMINDER = "relance", "relance du questionnaire"

    class Status(models.TextChoices):
        QUEUED = "en_attente", "en attente d'envoi"
        SENT = "envoye", "envoyé"
        FAILED = "echec", "échec"

    survey = models.ForeignKey(
        Survey, verbose_name="questionnaire", on_delete=models.CASCADE, related_name="deliveries"
    )
    registration = models.ForeignKey(
        Registration, verbose_name="inscription", on_delete=models.CASCADE, related_name="survey_deliveries"
    )
    round = models.PositiveSmallIntegerField("envoi", default=0, help_text="0 : premier message ; 1, 2… : relances")
    kind = models.CharField("message", max_length=20, choices=Kind.choices)
    status = models.CharField("statut", max_length=20, choices=Status.choices, default=Status.QUEUED)
    queued_at = models.DateTimeField("demandé le", default=timezone.now)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    error = models.TextField("erreur", blank=True)
    answered = models.BooleanField("a répondu", default=False)

    objects = SurveyDeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = "envoi du questionnaire"
        verbose_name_plural = "envois du questionnaire"
        ordering = ["survey", "round", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "registration", "round"],
                name="events_surveydelivery_once_per_round",
                violation_error_message="Cette personne a déjà reçu ce message.",
            ),
        ]
        indexes = [models.Index(fields=["survey", "status"], name="events_surveydelivery_status")]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.registration_id} ({self.get_status_display()})"
