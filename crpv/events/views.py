"""Public pages: event, registration, signed links (cancel, offer, invitation, team)."""

from django.contrib.auth.decorators import login_not_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from . import operations
from .forms import RegistrationForm, ReplacementForm, TeamMemberForm
from .models import (
    Event,
    EventDocument,
    EventStatus,
    Invitation,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    Session,
    Team,
)
from .tokens import BadToken, make_token, read_token


def _bad_link(request, error, status=400):
    return render(request, "events/bad_link.html", {"message": error.message, "expired": error.expired}, status=status)


def _from_token(request, purpose, token, queryset):
    """(object, None) for a valid token, or (None, error response)."""
    try:
        key = read_token(purpose, token)
    except BadToken as error:
        return None, _bad_link(request, error)
    obj = queryset.filter(key=key).first()
    if obj is None:
        return None, _bad_link(request, BadToken("Ce lien n'est plus valable."), status=404)
    return obj, None


def _event_queryset():
    return Event.objects.exclude(status=EventStatus.DRAFT).prefetch_related(
        Prefetch("sessions", queryset=Session.objects.order_by("starts_at", "pk")),
        Prefetch("documents", queryset=EventDocument.objects.filter(public=True)),
        "actions__axis",
        "partners",
        "themes",
        "questions",
        "target_networks",
        "target_departements",
        "target_epcis",
    )


def _status_redirect(registration):
    return redirect("events:registration_status", token=make_token("status", registration.key))


@login_not_required
@require_http_methods(["GET", "POST"])
def detail(request, slug):
    event = get_object_or_404(_event_queryset(), slug=slug)
    closed = event.registration_closed_reason()
    if not closed and event.invitation_only:
        closed = "Cet événement est sur invitation : l'inscription se fait par le lien personnel reçu par courriel."
    if not closed and event.team_registration:
        closed = "Les inscriptions se font par équipe de territoire, par le lien envoyé à chaque référent·e."
    form = None
    if not closed:
        form = RegistrationForm(request.POST or None, event=event)
        if request.method == "POST" and form.is_valid() and not form.is_robot:
            try:
                registration = operations.register_participant(
                    event=event, person_data=form.person_data(), answers=form.answers(), acting_user=request.user
                )
            except operations.RegistrationError as error:
                form.add_error(None, error.message)
            else:
                return _status_redirect(registration)
        elif request.method == "POST" and form.is_robot:
            form.add_error(None, "Votre envoi n'a pas pu être traité. Réessayez sans remplir le champ caché.")
    elif request.method == "POST":
        return render(request, "events/detail.html", {"event": event, "closed": closed, "form": None}, status=409)
    return render(request, "events/detail.html", {"event": event, "closed": closed, "form": form})


@login_not_required
def registration_status(request, token):
    registration, error = _from_token(request, "status", token, Registration.objects.select_related("event", "person"))
    if error:
        return error
    return render(
        request,
        "events/registration_status.html",
        {
            "registration": registration,
            "event": registration.event,
            "cancel_token": make_token("cancel", registration.key) if registration.is_active else "",
        },
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def cancel(request, token):
    registration, error = _from_token(request, "cancel", token, Registration.objects.select_related("event", "person"))
    if error:
        return error
    message = ""
    if request.method == "POST":
        try:
            registration = operations.cancel_registration(registration=registration, acting_user=request.user)
        except operations.RegistrationError as exc:
            message = exc.message
        else:
            return render(request, "events/cancel.html", {"registration": registration, "done": True})
    return render(request, "events/cancel.html", {"registration": registration, "done": False, "message": message})


@login_not_required
@require_http_methods(["GET", "POST"])
def offer(request, token):
    registration, error = _from_token(request, "offer", token, Registration.objects.select_related("event", "person"))
    if error:
        return error
    message = ""
    if request.method == "POST":
        try:
            registration = operations.confirm_offer(registration=registration, acting_user=request.user)
        except operations.RegistrationError as exc:
            message = exc.message
        else:
            return _status_redirect(registration)
    expired = registration.status == RegistrationStatus.OFFER_EXPIRED
    return render(
        request,
        "events/offer.html",
        {
            "registration": registration,
            "event": registration.event,
            "message": message,
            "expired": expired,
            "cancel_token": make_token("cancel", registration.key),
        },
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation(request, token):
    invite, error = _from_token(
        request, "invitation", token, Invitation.objects.select_related("event", "person", "registration")
    )
    if error:
        return error
    if invite.registration_id and invite.registration.is_active:
        return _status_redirect(invite.registration)
    event = invite.event
    person = invite.person
    closed = event.registration_closed_reason()
    initial = {"first_name": person.first_name, "last_name": person.last_name, "function_title": person.function_title}
    form = (
        None
        if closed
        else RegistrationForm(request.POST or None, event=event, locked_email=person.email, initial=initial)
    )
    if request.method == "POST" and request.POST.get("reponse") == "decliner":
        try:
            operations.decline_invitation(invitation=invite, acting_user=request.user)
        except operations.RegistrationError:
            return _status_redirect(invite.registration)
        return render(request, "events/invitation_declined.html", {"event": event})
    elif request.method == "POST" and form is not None and form.is_valid() and not form.is_robot:
        try:
            registration = operations.register_participant(
                event=event,
                person_data=form.person_data(),
                answers=form.answers(),
                acting_user=request.user,
                source=RegistrationSource.INVITATION,
                invitation=invite,
            )
        except operations.RegistrationError as exc:
            form.add_error(None, exc.message)
        else:
            return _status_redirect(registration)
    return render(
        request, "events/invitation.html", {"invitation": invite, "event": event, "closed": closed, "form": form}
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def team(request, token):
    team_obj, error = _from_token(request, "team", token, Team.objects.select_related("event", "lead"))
    if error:
        return error
    event = team_obj.event
    add_form = TeamMemberForm(request.POST if request.POST.get("action") == "ajouter" else None, prefix="ajout")
    replace_form = ReplacementForm(
        request.POST if request.POST.get("action") == "remplacer" else None, prefix="remplacement"
    )
    members = list(Registration.objects.filter(team=team_obj).select_related("person").order_by("created_at", "pk"))
    message = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "ajouter" and add_form.is_valid():
                operations.register_team_member(
                    team=team_obj, person_data=add_form.person_data(), acting_user=request.user
                )
                return redirect(request.path)
            if request.POST.get("action") == "remplacer" and replace_form.is_valid():
                current = next((m for m in members if m.key == request.POST.get("membre") and m.is_active), None)
                if current is None:
                    replace_form.add_error(None, "Choisissez la personne à remplacer dans la liste.")
                else:
                    operations.replace_participant(
                        registration=current,
                        person_data=replace_form.person_data(),
                        acting_user=request.user,
                        registered_by=team_obj.lead,
                    )
                    return redirect(request.path)
        except operations.RegistrationError as exc:
            message = exc.message
    team_obj.refresh_from_db(fields=["seats_taken"])
    return render(
        request,
        "events/team.html",
        {
            "team": team_obj,
            "event": event,
            "members": members,
            "active_members": [m for m in members if m.is_active],
            "add_form": add_form,
            "replace_form": replace_form,
            "message": message,
            "closed": event.registration_closed_reason(),
        },
    )
