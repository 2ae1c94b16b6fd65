"""Satisfaction surveys sent after an event: questions, responses, answers."""

from django.db import models
from django.db.models import Q
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
