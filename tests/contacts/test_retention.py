"""Retention: re-permission after 3 years without an own action, anonymisation after the grace period."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from crpv.contacts import privacy
from crpv.contacts.models import ConsentEvent, ConsentKind, Person, SuppressionReason
from crpv.contacts.operations import add_to_suppression_list

from .conftest import mail_text

pytestmark = pytest.mark.django_db(transaction=True)

NOW = timezone.now()


def days_ago(n):
    return NOW - datetime.timedelta(days=n)


def make_person(n, *, created_days=None, action_days=None, asked_days=None, email=True):
    person = Person.objects.create(last_name=f"Martin {n}", email=f"p{n}@x.example" if email else "")
    fields = {}
    if created_days is not None:
        fields["created_at"] = days_ago(created_days)
    if action_days is not None:
        fields["last_own_action_at"] = days_ago(action_days)
    if asked_days is not None:
        fields["repermission_sent_at"] = days_ago(asked_days)
    Person.objects.filter(pk=person.pk).update(**fields)
    person.refresh_from_db()
    return person


def run(*args):
    out = io.StringIO()
    call_command("purge_inactive_contacts", *args, stdout=out)
    return out.getvalue()


def snapshot():
    return list(
        Person.objects.order_by("pk").values_list("pk", "email", "is_anonymised", "repermission_sent_at")
    ), ConsentEvent.objects.count()


def test_dry_run_prints_and_writes_nothing(smtp_server):
    make_person(1, created_days=4 * 365)
    make_person(2, action_days=4 * 365, asked_days=60)
    before = snapshot()
    output = run()
    assert "[simulation] 1 personne(s)" in output and "1 personne(s) sans réponse" in output
    assert "Martin" not in output and "@" not in output  # record numbers only
    assert snapshot() == before and smtp_server.messages == []


def test_wet_run_asks_then_anonymises_after_the_grace_period(client, smtp_server):
    recent = make_person(1, created_days=4 * 365, action_days=100)
    old = make_person(2, created_days=4 * 365)
    no_email = make_person(3, created_days=4 * 365, email=False)
    asked_long_ago = make_person(4, created_days=5 * 365, asked_days=45)
    asked_recently = make_person(5, created_days=5 * 365, asked_days=10)
    run("--wet-run")
    # Step 1: a message with a signed link to whoever can receive one.
    assert [to for to, _ in smtp_server.messages] == [[old.email]]
    for person in (old, no_email):
        person.refresh_from_db()
        assert person.repermission_sent_at is not None and not person.is_anonymised
        assert ConsentEvent.objects.filter(person=person, kind=ConsentKind.REPERMISSION_REQUEST).exists()
    body = mail_text(smtp_server.messages[0][1])
    assert "/mes-donnees/rester-en-contact/" in body
    # Step 2: anonymised only after the grace period, without an answer.
    asked_long_ago.refresh_from_db()
    assert asked_long_ago.is_anonymised and asked_long_ago.email == ""
    asked_recently.refresh_from_db()
    recent.refresh_from_db()
    assert not asked_recently.is_anonymised and not recent.is_anonymised
    assert recent.repermission_sent_at is None


def test_reconfirming_through_the_link_keeps_the_person(client, smtp_server):
    person = make_person(1, created_days=4 * 365, asked_days=40)
    url = reverse("contacts_public:reconfirm", args=[privacy.make_token("reconfirm", person)])
    assert client.get(url).status_code == 200
    person.refresh_from_db()
    assert person.last_own_action_at is None  # a GET (mail scanners) changes nothing
    response = client.post(url)
    assert response.status_code == 200 and "vous restez en contact" in response.content.decode()
    person.refresh_from_db()
    assert person.last_own_action_at is not None
    assert ConsentEvent.objects.filter(person=person, kind=ConsentKind.RECONFIRMATION).exists()
    run("--wet-run")
    person.refresh_from_db()
    assert not person.is_anonymised
    # Three more years of silence: asked again, not erased straight away.
    Person.objects.filter(pk=person.pk).update(
        repermission_sent_at=days_ago(3 * 365 + 40), last_own_action_at=days_ago(3 * 365 + 2)
    )
    run("--wet-run")
    person.refresh_from_db()
    assert not person.is_anonymised and person.repermission_sent_at > person.last_own_action_at


def test_suppressed_and_anonymised_people_are_never_touched(smtp_server):
    suppressed = make_person(1, created_days=4 * 365)
    add_to_suppression_list(email=suppressed.email, reason=SuppressionReason.OBJECTION, acting_user=None)
    erased = make_person(2, created_days=4 * 365)
    privacy.erase_person(person=erased, acting_user=None, reason="test")
    before = snapshot()
    output = run("--wet-run")
    assert "0 personne(s) sans action" in output and "0 personne(s) sans réponse" in output
    assert snapshot() == before and smtp_server.messages == []


def test_years_and_grace_days_options(smtp_server):
    person = make_person(1, created_days=400)
    assert "0 personne(s) sans action" in run("--years", "3")
    assert "1 personne(s) sans action" in run("--years", "1")
    Person.objects.filter(pk=person.pk).update(repermission_sent_at=days_ago(8))
    assert "0 personne(s) sans réponse" in run("--years", "1")
    assert "1 personne(s) sans réponse" in run("--years", "1", "--grace-days", "7")


def test_reconfirm_link_of_an_erased_person_is_refused(client):
    person = make_person(1, created_days=4 * 365)
    token = privacy.make_token("reconfirm", person)
    privacy.erase_person(person=person, acting_user=None, reason="test")
    response = client.post(reverse("contacts_public:reconfirm", args=[token]))
    assert response.status_code == 404
    assert not ConsentEvent.objects.filter(kind=ConsentKind.RECONFIRMATION).exists()
