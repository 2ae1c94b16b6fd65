"""Personal-data rights: signed self-service links, export, erasure, consent register."""

import csv
import datetime
import io
import json
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crpv.contacts import privacy
from crpv.contacts.models import (
    ConsentChannel,
    ConsentEvent,
    ConsentKind,
    Membership,
    Network,
    Organisation,
    Person,
    Position,
    Role,
    SuppressionEntry,
)
from crpv.contacts.operations import import_contacts
from crpv.core.models import AuditEntry

from .conftest import mail_text, make_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(db):
    organisation = Organisation.objects.create(name="Ville de Laon", kind="commune")
    person = Person.objects.create(
        first_name="Léa", last_name="Durand", email="lea@laon.example", phone="03 23 00 00 00", notes="Très active"
    )
    Position.objects.create(person=person, organisation=organisation, role=Role.PILOT)
    network = Network.objects.create(slug="pilotes", name="Réseau des pilotes")
    Membership.objects.create(person=person, network=network, note="Référente Aisne")
    return person


def token_for(person, purpose="access"):
    return privacy.make_token(purpose, person)


# --- the request page: no enumeration -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_link_is_sent_only_to_a_known_address_and_the_page_answers_the_same(client, smtp_server, person):
    url = reverse("contacts_public:request")
    page = client.get(url)
    assert page.status_code == 200
    assert "Vos données personnelles" in page.content.decode()  # the information notice
    unknown = client.post(url, {"email": "inconnu@nulle-part.example"})
    known = client.post(url, {"email": "LEA@laon.example"})
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"] == reverse("contacts_public:sent")
    assert client.get(known["Location"]).status_code == 200
    assert len(smtp_server.messages) == 1
    recipients, message = smtp_server.messages[0]
    assert recipients == ["lea@laon.example"]
    body = mail_text(message)
    assert "https://crpv.example/mes-donnees/" in body
    link = next(line for line in body.splitlines() if line.startswith("https://crpv.example/mes-donnees/"))
    assert client.get(link.removeprefix("https://crpv.example")).status_code == 200
    # Asking is not an action of the person (anyone can type an address)...
    assert ConsentEvent.objects.filter(person=person, kind=ConsentKind.ACCESS_REQUEST).count() == 1
    # ...and a second request within minutes sends nothing more.
    client.post(url, {"email": "lea@laon.example"})
    assert len(smtp_server.messages) == 1


def test_invalid_address_is_reported_on_its_field(client):
    response = client.post(reverse("contacts_public:request"), {"email": "pas-une-adresse"})
    assert response.status_code == 200
    assert 'id="id_email_erreur"' in response.content.decode()


def test_no_link_for_an_anonymised_person(person):
    privacy.erase_person(person=person, acting_user=None, reason="test")
    assert privacy.request_access_link(email="lea@laon.example") is False


# --- signed links ------------------------------------------------------------------------


def test_self_service_page_shows_the_data_and_marks_an_own_action(client, person):
    assert person.last_own_action_at is None
    response = client.get(reverse("contacts_public:home", args=[token_for(person)]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "lea@laon.example" in html and "Ville de Laon" in html
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    person.refresh_from_db()
    assert person.last_own_action_at is not None


@pytest.mark.parametrize("mangle", [lambda t: t[:-2] + "xx", lambda t: "abc", lambda t: t.replace(":", ".", 1)])
def test_tampered_link_gives_a_clear_page_and_changes_nothing(client, person, mangle):
    token = mangle(token_for(person))
    for name in ("home", "details", "erase", "export_json", "export_csv"):
        response = client.get(reverse(f"contacts_public:{name}", args=[token]))
        assert response.status_code == 404
        assert "Lien non valable" in response.content.decode()
    response = client.post(reverse("contacts_public:erase", args=[token]), {"confirm": "on"})
    assert response.status_code == 404
    person.refresh_from_db()
    assert not person.is_anonymised and person.last_own_action_at is None


def test_expired_link_gives_a_clear_page(client, person):
    eight_days_ago = timezone.now().timestamp() - 8 * 24 * 3600
    with mock.patch("django.core.signing.time.time", return_value=eight_days_ago):
        token = token_for(person)
    response = client.get(reverse("contacts_public:home", args=[token]))
    assert response.status_code == 400
    assert "Ce lien a expiré" in response.content.decode()
    person.refresh_from_db()
    assert person.last_own_action_at is None


def test_a_link_of_another_purpose_or_address_is_refused(client, person):
    reconfirm_token = token_for(person, "reconfirm")
    assert client.get(reverse("contacts_public:home", args=[reconfirm_token])).status_code == 404
    forged = signing.dumps({"p": person.pk, "a": "0" * 16}, salt="crpv.contacts.access")
    assert client.get(reverse("contacts_public:home", args=[forged])).status_code == 404


# --- rectification and subscriptions ---------------------------------------------------------


def test_details_are_updated_with_a_rectification_event(client, person):
    token = token_for(person)
    url = reverse("contacts_public:details", args=[token])
    assert client.get(url).status_code == 200
    data = {
        "first_name": "Léa",
        "last_name": "Durand-Petit",
        "email": "lea.durand@laon.example",
        "phone": "",
        "mobile_phone": "06 00 00 00 00",
        "function_title": "Cheffe de projet",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.last_name, person.email, person.phone) == ("Durand-Petit", "lea.durand@laon.example", "")
    assert person.last_own_action_at is not None
    event = ConsentEvent.objects.get(person=person, kind=ConsentKind.RECTIFICATION)
    assert event.channel == ConsentChannel.WEB_FORM and event.text_version == privacy.TEXT_VERSION
    entry = AuditEntry.objects.get(action="contacts.person_rectified")
    assert "lea.durand" not in json.dumps(entry.details)  # names of fields, never values
    # The old link was tied to the old address; the redirect carries a fresh one.
    assert client.get(reverse("contacts_public:home", args=[token])).status_code == 404
    assert client.get(response["Location"]).status_code == 200


def test_details_errors_are_tied_to_their_fields(client, person):
    other = Person.objects.create(last_name="Autre", email="autre@x.example")
    url = reverse("contacts_public:details", args=[token_for(person)])
    response = client.post(url, {"last_name": "", "email": other.email})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_last_name_erreur"' in html and 'id="id_email_erreur"' in html
    person.refresh_from_db()
    assert person.last_name == "Durand"


def test_subscriptions_append_consent_events(client, person):
    token = token_for(person)
    url = reverse("contacts_public:subscriptions", args=[token])
    client.post(url, {"purpose_0": "on", "purpose_1": "on"})
    assert privacy.subscriptions(person) == {privacy.NEWSLETTER: True, privacy.INVITATIONS: True}
    client.post(url, {"purpose_1": "on"})
    assert privacy.subscriptions(person) == {privacy.NEWSLETTER: False, privacy.INVITATIONS: True}
    client.post(url, {"purpose_1": "on"})  # no change: no new event
    events = list(ConsentEvent.objects.for_person(person).values_list("kind", "purpose", "channel", "text_version"))
    assert events == [
        (ConsentKind.SUBSCRIPTION, privacy.NEWSLETTER, "web", privacy.TEXT_VERSION),
        (ConsentKind.SUBSCRIPTION, privacy.INVITATIONS, "web", privacy.TEXT_VERSION),
        (ConsentKind.WITHDRAWAL, privacy.NEWSLETTER, "web", privacy.TEXT_VERSION),
    ]
    home = client.get(reverse("contacts_public:home", args=[token])).content.decode()
    assert 'name="purpose_1" id="id_purpose_1" checked' in home or 'id="id_purpose_1" checked' in home


# --- access and portability ------------------------------------------------------------------


def test_export_gathers_every_related_object_including_other_apps(client, person):
    from crpv.events.models import Event, Registration

    event = Event.objects.create(title="Webinaire TFPB", format="webinaire", mode="distanciel")
    Registration.objects.create(event=event, person=person, status="confirmed", answers={"regime": "végétarien"})
    privacy.set_subscriptions(person=person, wanted={privacy.NEWSLETTER: True}, channel=ConsentChannel.WEB_FORM)
    token = token_for(person)
    response = client.get(reverse("contacts_public:export_json", args=[token]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    data = json.loads(response.content)
    assert data["personne"][0]["courriel"] == "lea@laon.example"
    assert data["postes"][0]["structure"] == "Ville de Laon"
    assert data["appartenances aux réseaux"][0]["réseau"] == "Réseau des pilotes"
    assert data["registre des consentements"][0]["finalité"] == privacy.NEWSLETTER
    assert data["inscriptions"][0]["réponses aux questions"] == {"regime": "végétarien"}
    assert "clé des liens" not in data["inscriptions"][0]  # link secrets stay out
    assert {"finalité": privacy.NEWSLETTER, "abonné·e": True} in data["abonnements"]
    response = client.get(reverse("contacts_public:export_csv", args=[token]))
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["rubrique", "élément", "champ", "valeur"]
    assert ["personne", "1", "courriel", "lea@laon.example"] in rows
    assert any(r[0] == "inscriptions" for r in rows)
    assert AuditEntry.objects.filter(action="contacts.person_exported", object_id=str(person.pk)).count() == 2


def test_csv_export_neutralises_formulas(person):
    person.function_title = "=1+2"
    person.notes = "@SUM(A1)"
    person.save()
    text = privacy.export_csv(privacy.export_person_data(person=person))
    assert ";'=1+2\r\n" in text and ";'@SUM(A1)\r\n" in text


# --- erasure --------------------------------------------------------------------------------


def test_erasure_anonymises_keeps_statistics_and_blocks_reimport(person, staff_user):
    from crpv.events.models import Event, Registration

    event = Event.objects.create(title="Journée GUSP", format="journee", mode="presentiel")
    Registration.objects.create(event=event, person=person, status="confirmed", answers={"handicap": "fauteuil"})
    AuditEntry.record(staff_user, "contacts.person_updated", person)
    privacy.erase_person(person=person, acting_user=staff_user, reason="demande écrite")
    person.refresh_from_db()
    assert person.is_anonymised and person.anonymised_at is not None
    assert (person.first_name, person.last_name, person.email, person.phone, person.notes) == ("", "", "", "", "")
    assert str(person) == f"personne n° {person.pk}"
    # Statistics stay: structure, role, network, registration counts.
    assert person.positions.get().role == Role.PILOT
    assert person.memberships.get().note == ""  # free text goes
    registration = Registration.objects.get(person=person)
    assert registration.answers == {} and event.registrations.count() == 1
    # The register and the suppression list.
    assert ConsentEvent.objects.filter(person=person, kind=ConsentKind.ERASURE_REQUEST).exists()
    assert SuppressionEntry.objects.contains("lea@laon.example")
    # The audit log keeps what happened, without the name.
    assert not AuditEntry.objects.filter(object_repr__contains="Durand").exists()
    assert AuditEntry.objects.filter(action="contacts.person_erased", actor=staff_user).exists()
    # A later import does not bring the person back.
    header = ["Nom", "Prénom", "Adresse mail"]
    report = import_contacts(source=make_csv([header, ["Durand", "Léa", "lea@laon.example"]]), acting_user=staff_user)
    assert report.counts["ignorées (liste d'exclusion)"] == 1
    assert not Person.objects.filter(email="lea@laon.example").exists()
    # Erasing twice changes nothing.
    privacy.erase_person(person=person, acting_user=staff_user, reason="encore")
    assert AuditEntry.objects.filter(action="contacts.person_erased").count() == 1


def test_erasure_rolls_back_as_a_whole(person):
    with (
        mock.patch.object(privacy.AuditEntry, "record", side_effect=RuntimeError("panne")),
        pytest.raises(RuntimeError),
    ):
        privacy.erase_person(person=person, acting_user=None, reason="test")
    person.refresh_from_db()
    assert not person.is_anonymised and person.email == "lea@laon.example"
    assert not SuppressionEntry.objects.exists()


def test_public_erasure_asks_for_confirmation_first(client, person):
    url = reverse("contacts_public:erase", args=[token_for(person)])
    assert client.get(url).status_code == 200
    response = client.post(url, {})
    assert response.status_code == 200 and 'id="id_confirm_erreur"' in response.content.decode()
    person.refresh_from_db()
    assert not person.is_anonymised
    response = client.post(url, {"confirm": "on"})
    assert response["Location"] == reverse("contacts_public:erased")
    assert client.get(response["Location"]).status_code == 200
    person.refresh_from_db()
    assert person.is_anonymised
    event = ConsentEvent.objects.get(person=person, kind=ConsentKind.ERASURE_REQUEST)
    assert event.channel == ConsentChannel.WEB_FORM and event.actor is None
    # The link died with the address.
    assert client.get(url).status_code == 404


# --- staff ----------------------------------------------------------------------------------


def test_staff_export_needs_the_change_permission(django_user_model, staff_client, person):
    reader = django_user_model.objects.create_user(username="lecteur", password="x" * 14, is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_person"))
    client = Client()
    client.force_login(reader)
    assert client.get(reverse("panorama:person_privacy", args=[person.pk])).status_code == 403
    assert client.get(reverse("panorama:person_export", args=[person.pk, "json"])).status_code == 403
    page = staff_client.get(reverse("panorama:person_privacy", args=[person.pk]))
    assert page.status_code == 200 and "Registre des consentements" in page.content.decode()
    assert AuditEntry.objects.filter(action="contacts.person_viewed").count() == 1
    response = staff_client.get(reverse("panorama:person_export", args=[person.pk, "csv"]))
    assert response.status_code == 200 and b"lea@laon.example" in response.content
    assert staff_client.get(reverse("panorama:person_export", args=[person.pk, "xml"])).status_code == 404
    entry = AuditEntry.objects.get(action="contacts.person_exported")
    assert entry.actor.username == "camille"


def test_staff_erasure_needs_the_delete_permission_and_a_reason(staff_client, staff_user, person):
    url = reverse("panorama:person_erase", args=[person.pk])
    assert staff_client.post(url, {"reason": "demande", "confirm": "on"}).status_code == 403
    staff_user.user_permissions.add(Permission.objects.get(codename="delete_person"))
    response = staff_client.post(url, {"reason": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_reason_erreur"' in html and 'id="id_confirm_erreur"' in html
    response = staff_client.post(url, {"reason": "courrier du 12/03", "confirm": "on"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.is_anonymised
    entry = AuditEntry.objects.get(action="contacts.person_erased")
    assert entry.details == {"reason": "courrier du 12/03"} and entry.actor == staff_user


def test_notice_include_renders_the_centre_contact(rf, settings):
    from django.template.loader import render_to_string

    html = render_to_string(
        "contacts/privacy/_notice.html",
        {"centre": settings.CRPV_CENTRE, "notice_purpose": "organiser la journée"},
    )
    assert "organiser la journée" in html and settings.CRPV_CENTRE["email"] in html
    assert reverse("contacts_public:request") in html


def test_access_token_lifetime_is_seven_days():
    assert privacy.TOKEN_AGES["access"] == datetime.timedelta(days=7)
