import re
import time
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.core import signing
from django.test import Client
from django.urls import reverse

from crpv.contacts.models import Membership, Network, Person
from crpv.events import operations
from crpv.events.models import EventQuestion, Invitation, QuestionKind, Registration, RegistrationStatus, Team
from crpv.events.tokens import make_token

from .conftest import make_event, person_data

pytestmark = pytest.mark.django_db

FORM = {"first_name": "Alex", "last_name": "Martin", "email": "alex@ville.example", "organisation_name": ""}


def test_event_page_shows_sessions_and_hides_the_visio_link(client, django_assert_max_num_queries):
    event = make_event(capacity=3, sessions=2, description="<p>Présentation</p><script>alert(1)</script>")
    with django_assert_max_num_queries(16):
        response = client.get(event.get_absolute_url())
    content = response.content.decode()
    assert response.status_code == 200
    assert "2 séances" in content and "demi-journée" in content
    assert "salle-42" not in content and "<script>alert" not in content
    assert "Base légale" in content and "Conservation" in content


def test_draft_event_is_not_found(client):
    event = make_event(status="brouillon")
    assert client.get(event.get_absolute_url()).status_code == 404


def test_register_through_the_page_then_cancel_through_the_signed_link(client):
    event = make_event(capacity=3)
    question = EventQuestion.objects.create(event=event, label="Régime alimentaire", kind=QuestionKind.TEXT)
    response = client.post(event.get_absolute_url(), {**FORM, f"q_{question.pk}": "végétarien"})
    assert response.status_code == 303  # See Other: the browser GETs the status page
    page = client.get(response["Location"])
    assert "est confirmée" in page.content.decode()
    registration = Registration.objects.get()
    assert registration.answers[str(question.pk)]["value"] == "végétarien"
    cancel_url = re.search(r'href="(/evenements/annulation/[^"]+)"', page.content.decode()).group(1)
    assert "annul" in client.get(cancel_url).content.decode()
    client.post(cancel_url)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED


def test_form_errors_are_linked_to_their_fields(client):
    event = make_event()
    response = client.post(event.get_absolute_url(), {**FORM, "email": "pas-une-adresse"})
    content = response.content.decode()
    assert response.status_code == 200
    assert 'aria-describedby="id_email_erreur id_email_helptext"' in content
    assert 'id="id_email_erreur"' in content and 'aria-invalid="true"' in content
    assert Registration.objects.count() == 0


def test_duplicate_through_the_page_answers_clearly(client):
    event = make_event(capacity=3)
    client.post(event.get_absolute_url(), FORM)
    response = client.post(event.get_absolute_url(), FORM)
    assert "déjà inscrit" in response.content.decode()
    event.refresh_from_db()
    assert event.seats_taken == 1


def test_honeypot_changes_nothing(client):
    event = make_event()
    response = client.post(event.get_absolute_url(), {**FORM, "website": "http://spam.example"})
    assert response.status_code == 200 and Registration.objects.count() == 0


def test_post_cannot_set_privileged_fields(client):
    event = make_event(capacity=3)
    client.post(event.get_absolute_url(), {**FORM, "status": "confirmee", "seats_taken": 0, "capacity": 99})
    event.refresh_from_db()
    assert event.capacity == 3 and event.seats_taken == 1


def test_closed_event_refuses_posts(client):
    event = make_event(invitation_only=True)
    response = client.post(event.get_absolute_url(), FORM)
    assert response.status_code == 409 and Registration.objects.count() == 0
    assert "sur invitation" in response.content.decode()


def test_csrf_is_required():
    event = make_event()
    response = Client(enforce_csrf_checks=True).post(event.get_absolute_url(), FORM)
    assert response.status_code == 403


@pytest.mark.parametrize("name", ["registration_status", "cancel", "offer", "invitation", "team"])
def test_tampered_or_foreign_tokens_give_a_french_page_and_change_nothing(client, name):
    event = make_event(capacity=1)
    registration = operations.register_participant(event=event, person_data=person_data(1))
    token = make_token("cancel", registration.key)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    for bad in (tampered, make_token("status", "not-a-key") if name != "registration_status" else token):
        response = client.post(reverse(f"events:{name}", args=[bad]))
        assert response.status_code in (400, 404)
        assert "Lien non valable" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED


def test_expired_token(client, settings):
    event = make_event(capacity=1)
    registration = operations.register_participant(event=event, person_data=person_data(1))
    # A cancellation token signed 500 days ago (the links live 400 days).
    with mock.patch("time.time", return_value=time.time() - 500 * 86400):
        token = signing.dumps(registration.key, salt="crpv.events.cancel")
    response = client.post(reverse("events:cancel", args=[token]))
    assert response.status_code == 400 and "expiré" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED


def test_offer_page_confirms_the_seat(client):
    event = make_event(capacity=1)
    first = operations.register_participant(event=event, person_data=person_data(1))
    waiting = operations.register_participant(event=event, person_data=person_data(2))
    operations.cancel_registration(registration=first)
    url = reverse("events:offer", args=[make_token("offer", waiting.key)])
    assert "réservée jusqu'au" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED


def test_invitation_landing_registers_with_the_invited_address_or_declines(client):
    event = make_event(invitation_only=True)
    people = [
        Person.objects.create(first_name="Sam", last_name=f"Invité {n}", email=f"s{n}@epci.example") for n in (1, 2)
    ]
    operations.invite_people(event=event, people=people, acting_user=None)
    first, second = Invitation.objects.order_by("person__email")
    url = reverse("events:invitation", args=[make_token("invitation", first.key)])
    assert "s1@epci.example" in client.get(url).content.decode()
    client.post(url, {**FORM, "email": "autre@exemple.fr"})
    assert Registration.objects.get().person == people[0]
    url2 = reverse("events:invitation", args=[make_token("invitation", second.key)])
    response = client.post(url2, {"reponse": "decliner"})
    assert "déclinée" in response.content.decode()


def test_team_page_adds_and_replaces_members(client):
    from crpv.contacts.models import Organisation, Position

    cycle = make_event(format="cycle", sessions=3, team_registration=True, capacity=10)
    organisation = Organisation.objects.create(name="Ville de Laon")
    lead = Person.objects.create(last_name="Référente", email="ref@laon.example")
    team = Team.objects.create(event=cycle, name="Laon", lead=lead, capacity=2)
    url = reverse("events:team", args=[make_token("team", team.key)])
    client.post(
        url,
        {
            "action": "ajouter",
            **{f"ajout-{k}": v for k, v in FORM.items()},
            "ajout-organisation_name": "Ville de Laon",
        },
    )
    member = Registration.objects.get()
    assert Position.objects.filter(person=member.person, organisation=organisation).exists()
    data = {"action": "remplacer", "membre": member.key, **{f"remplacement-{k}": v for k, v in person_data(7).items()}}
    client.post(url, data)
    member.refresh_from_db()
    assert member.status == RegistrationStatus.REPLACED
    assert "Laon" in client.get(url).content.decode()


def test_staff_pages(events_client, staff_user):
    event = make_event(capacity=1, approval_required=True)
    pending = operations.register_participant(event=event, person_data=person_data(1))
    operations.register_participant(event=event, person_data=person_data(2))
    network = Network.objects.create(slug="cpo", name="Réseau CPO")
    member = Person.objects.create(last_name="Membre", email="m@cite.example")
    Membership.objects.create(person=member, network=network)
    assert event.title in events_client.get(reverse("events_staff:list")).content.decode()
    page = events_client.get(reverse("events_staff:registrations", args=[event.pk])).content.decode()
    assert "Liste d'attente, par ordre d'arrivée" in page and "alex2@ville.example" in page
    events_client.post(reverse("events_staff:refuse", args=[pending.pk]))
    pending.refresh_from_db()
    assert pending.status == RegistrationStatus.REFUSED
    offered = Registration.objects.get(person__email="alex2@ville.example")
    assert offered.status == RegistrationStatus.OFFERED
    events_client.post(reverse("events_staff:cancel", args=[offered.pk]))
    response = events_client.post(
        reverse("events_staff:invite", args=[event.pk]),
        {"emails": "inconnu@x.fr\nalex1@ville.example", "network": network.pk},
    )
    assert response.status_code == 302
    assert set(Invitation.objects.values_list("person__email", flat=True)) == {"alex1@ville.example", "m@cite.example"}
    events_client.post(reverse("events_staff:remind", args=[event.pk]))
    assert Invitation.objects.filter(reminders=1).count() == 2
    bad = events_client.post(reverse("events_staff:invite", args=[event.pk]), {"emails": "pas une adresse"})
    assert "Adresses invalides" in bad.content.decode()
    third = operations.register_participant(event=make_event(approval_required=True), person_data=person_data(3))
    events_client.post(reverse("events_staff:approve", args=[third.pk]))
    third.refresh_from_db()
    assert third.status == RegistrationStatus.CONFIRMED


def test_staff_pages_need_the_permission(staff_client, staff_user):
    staff_user.groups.clear()  # a staff account with no role
    event = make_event()
    assert staff_client.get(reverse("events_staff:registrations", args=[event.pk])).status_code == 403
    staff_user.user_permissions.add(Permission.objects.get(codename="view_registration"))
    assert staff_client.get(reverse("events_staff:registrations", args=[event.pk])).status_code == 200
