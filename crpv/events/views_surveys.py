"""Satisfaction surveys: the staff builder, sending and results; the public
answering page and the participant's attestation, both by signed link."""

from django import forms
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_not_required, permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from crpv.core.exports import csv_response, xlsx_response

from . import surveys as ops
from .attestations import NoAttendance, attestation_for
from .models import Event, Registration, Survey, SurveyDelivery, SurveyQuestion, SurveyQuestionKind
from .tokens import BadToken, read_token


def _bad_link(request, error, status=400):
    context = {"message": error.message, "expired": error.expired}
    return render(request, "events/bad_link.html", context, status=status)


def staff_view(permission, methods=("GET",)):
    def decorate(view):
        view = require_http_methods(list(methods))(view)
        view = permission_required(permission, raise_exception=True)(view)
        return staff_member_required(view)

    return decorate


class SurveyForm(forms.ModelForm):
    class Meta:
        model = Survey
        fields = ["title", "intro", "anonymous", "opens_at", "closes_at", "no_show_message"]
        widgets = {
            "opens_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "closes_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label="type de question", choices=SurveyQuestionKind.choices)
    label = forms.CharField(label="intitulé", max_length=300)
    choices = forms.CharField(
        label="choix proposés",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="un choix par ligne ; pour une échelle, les libellés des notes de la plus basse à la plus haute "
        "(vide : de 1 à 5)",
    )
    required = forms.BooleanField(label="réponse obligatoire", required=False)

    def clean(self):
        data = super().clean()
        data["choice_list"] = [c.strip() for c in data.get("choices", "").splitlines() if c.strip()]
        kind = data.get("kind")
        if kind in (SurveyQuestionKind.SINGLE, SurveyQuestionKind.MULTIPLE) and len(data["choice_list"]) < 2:
            self.add_error("choices", "Indiquez au moins deux choix, un par ligne.")
        if kind == SurveyQuestionKind.SCALE and len(data["choice_list"]) == 1:
            self.add_error("choices", "Une échelle a au moins deux libellés (ou aucun pour une note de 1 à 5).")
        if len(data["choice_list"]) > 20:
            self.add_error("choices", "Vingt choix au plus.")
        return data


def answer_form(survey, questions, data=None):
    """The answering form: one field per question, named q<pk>."""
    form = forms.Form(data)
    for question in questions:
        name = f"q{question.pk}"
        common = {"label": question.label, "required": question.required, "help_text": question.help_text}
        if question.kind == SurveyQuestionKind.SCALE:
            form.fields[name] = forms.TypedChoiceField(
                choices=[(str(v), label) for v, label in question.scale_points],
                coerce=int,
                widget=forms.RadioSelect,
                **common,
            )
        elif question.kind == SurveyQuestionKind.SINGLE:
            form.fields[name] = forms.ChoiceField(
                choices=[(c, c) for c in question.choices], widget=forms.RadioSelect, **common
            )
        elif question.kind == SurveyQuestionKind.MULTIPLE:
            form.fields[name] = forms.MultipleChoiceField(
                choices=[(c, c) for c in question.choices], widget=forms.CheckboxSelectMultiple, **common
            )
        else:
            form.fields[name] = forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 4}), **common)
    return form


# --- staff ------------------------------------------------------------------


@staff_view("events.view_survey", methods=("GET", "POST"))
def survey_list(request, pk):
    event = get_object_or_404(Event, pk=pk)
    form = SurveyForm(request.POST or None, initial={"title": f"Votre avis sur « {event.title} »"[:250]})
    if request.method == "POST":
        if not request.user.has_perm("events.add_survey"):
            return HttpResponse(status=403)
        if form.is_valid():
            survey = ops.create_survey(event=event, fields=form.cleaned_data, acting_user=request.user)
            messages.success(request, "Questionnaire créé : ajoutez ses questions.")
            return redirect("events_staff:survey", pk=survey.pk)
    surveys = event.surveys.all()
    return render(request, "events/surveys/list.html", {"event": event, "surveys": surveys, "form": form})


def _survey(pk):
    return get_object_or_404(Survey.objects.select_related("event"), pk=pk)


@staff_view("events.view_survey", methods=("GET", "POST"))
def survey_builder(request, pk):
    survey = _survey(pk)
    form = SurveyForm(request.POST or None, instance=survey)
    if request.method == "POST":
        if not request.user.has_perm("events.change_survey"):
            return HttpResponse(status=403)
        if form.is_valid():
            ops.update_survey(survey=form.save(commit=False), acting_user=request.user)
            messages.success(request, "Questionnaire enregistré.")
            return redirect("events_staff:survey", pk=survey.pk)
    return render(request, "events/surveys/builder.html", _builder_context(request, survey, form, QuestionForm()))


def _builder_context(request, survey, form, question_form):
    return {
        "survey": survey,
        "event": survey.event,
        "form": form,
        "question_form": question_form,
        "questions": list(survey.questions.all()),
        "can_change": request.user.has_perm("events.change_survey") and not survey.sent_at,
    }


def _questions_fragment(request, survey):
    return render(request, "events/surveys/_questions.html", _builder_context(request, survey, None, None))


@staff_view("events.change_survey", methods=("POST",))
def question_add(request, pk):
    survey = _survey(pk)
    form = QuestionForm(request.POST)
    if survey.sent_at:
        messages.error(request, "Le questionnaire est déjà envoyé : ses questions ne changent plus.")
        return redirect("events_staff:survey", pk=survey.pk)
    if not form.is_valid():
        context = _builder_context(request, survey, SurveyForm(instance=survey), form)
        return render(request, "events/surveys/builder.html", context, status=400)
    data = form.cleaned_data
    ops.add_question(
        survey=survey,
        acting_user=request.user,
        kind=data["kind"],
        label=data["label"],
        choices=data["choice_list"],
        required=data["required"],
    )
    messages.success(request, "Question ajoutée.")
    return redirect("events_staff:survey", pk=survey.pk)


def _question(pk):
    return get_object_or_404(SurveyQuestion.objects.select_related("survey__event"), pk=pk)


@staff_view("events.change_survey", methods=("POST",))
def question_move(request, pk):
    question = _question(pk)
    if not question.survey.sent_at:
        ops.move_question(
            question=question, offset=-1 if request.POST.get("direction") == "up" else 1, acting_user=request.user
        )
    if request.htmx:
        return _questions_fragment(request, question.survey)
    return redirect("events_staff:survey", pk=question.survey_id)


@staff_view("events.change_survey", methods=("POST",))
def question_delete(request, pk):
    question = _question(pk)
    survey = question.survey
    if not survey.sent_at:
        ops.delete_question(question=question, acting_user=request.user)
    if request.htmx:
        return _questions_fragment(request, survey)
    return redirect("events_staff:survey", pk=survey.pk)


def _back(request, survey):
    """Back to the deliveries screen when the action came from there, else to the survey."""
    if request.POST.get("next") == "envois":
        return redirect("events_staff:survey_deliveries", pk=survey.pk)
    return redirect("events_staff:survey", pk=survey.pk)


@staff_view("events.change_survey", methods=("POST",))
def survey_send(request, pk):
    survey = _survey(pk)
    try:
        sending = ops.send_survey(survey=survey, acting_user=request.user)
    except ops.SurveyError as error:
        messages.error(request, error.message)
    else:
        text = (
            f"Envoi en cours : questionnaire pour {sending.questionnaires} personne(s) présente(s), "
            f"message de suivi pour {sending.follow_ups} personne(s) absente(s)."
        )
        if sending.no_address:
            text += f" {sending.no_address} personne(s) sans adresse électronique n'ont rien reçu."
        messages.success(request, text)
    return _back(request, survey)


@staff_view("events.change_survey", methods=("POST",))
def survey_remind(request, pk):
    survey = _survey(pk)
    try:
        sending = ops.remind_survey(survey=survey, acting_user=request.user)
    except ops.SurveyError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Relance en cours pour {sending.reminders} personne(s) qui n'ont pas répondu.")
    return _back(request, survey)


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(label="statut", required=False, choices=[("", "tous"), *SurveyDelivery.Status.choices])


@staff_view("events.view_survey")
def survey_deliveries(request, pk):
    """Who was sent which message, whether it left, and whether they answered."""
    survey = _survey(pk)
    filters = DeliveryFilterForm(request.GET or None)
    rows = ops.delivery_rows(survey)
    if filters.is_valid() and filters.cleaned_data["status"]:
        rows = rows.filter(status=filters.cleaned_data["status"])
    status = 400 if filters.is_bound and not filters.is_valid() else 200
    return render(
        request,
        "events/surveys/deliveries.html",
        {
            "survey": survey,
            "event": survey.event,
            "filters": filters,
            "rows": rows,
            "counts": survey.deliveries.counts(),
            "can_send": request.user.has_perm("events.change_survey"),
        },
        status=status,
    )


@staff_view("events.view_surveyresponse")
def survey_results(request, pk):
    survey = _survey(pk)
    responses, results = ops.survey_results(survey)
    return render(
        request,
        "events/surveys/results.html",
        {"survey": survey, "event": survey.event, "responses": responses, "results": results},
    )


@staff_view("events.view_surveyresponse")
@require_GET
def survey_export(request, pk, fmt):
    survey = _survey(pk)
    headers, rows, sheets = ops.export_sheets(survey)
    name = f"questionnaire-{survey.event.slug}-{survey.pk}"
    if fmt == "xlsx":
        return xlsx_response(f"{name}.xlsx", sheets)
    return csv_response(f"{name}.csv", headers, rows)


# --- public, by signed link -------------------------------------------------


@login_not_required
@require_http_methods(["GET", "POST"])
def answer(request, token):
    try:
        link = ops.read_survey_token(token)
    except BadToken as error:
        return _bad_link(request, error)
    survey = Survey.objects.select_related("event").filter(pk=link.survey_id).first()
    registration = None
    if link.registration_key:
        registration = Registration.objects.filter(
            key=link.registration_key, event_id=getattr(survey, "event_id", None)
        ).first()
    if survey is None or (link.registration_key and registration is None):
        return _bad_link(request, BadToken("Ce lien n'est plus valable."), status=404)
    context = {"survey": survey, "event": survey.event}
    closed = survey.closed_reason()
    if closed:
        return render(request, "events/surveys/answer_closed.html", {**context, "message": closed}, status=410)
    if ops.already_answered(survey, link):
        return render(request, "events/surveys/answer_closed.html", {**context, "message": ops.ALREADY}, status=409)
    questions = list(survey.questions.all())
    form = answer_form(survey, questions, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        values = {q: form.cleaned_data.get(f"q{q.pk}") for q in questions}
        try:
            ops.submit_response(survey=survey, link=link, answers=values, registration=registration)
        except ops.AlreadyAnswered as error:
            context["message"] = error.message
            return render(request, "events/surveys/answer_closed.html", context, status=409)
        return render(request, "events/surveys/answer_done.html", context)
    fields = [(q, form[f"q{q.pk}"]) for q in questions]
    return render(
        request,
        "events/surveys/answer.html",
        {**context, "form": form, "fields": fields},
        status=400 if form.is_bound else 200,
    )


@login_not_required
@require_GET
def attestation(request, token):
    try:
        key = read_token("attestation", token)
    except BadToken as error:
        return _bad_link(request, error)
    registration = Registration.objects.select_related("event", "person").filter(key=key).first()
    if registration is None:
        return _bad_link(request, BadToken("Ce lien n'est plus valable."), status=404)
    try:
        filename, pdf = attestation_for(registration)
    except NoAttendance:
        return render(
            request,
            "events/surveys/no_attestation.html",
            {"event": registration.event},
            status=404,
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
