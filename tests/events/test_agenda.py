"""Public agenda: filters, pagination, past events and their documents, iCal feeds, schema.org data."""

import datetime
import json

import lxml.html
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from crpv.contacts.models import Theme
from crpv.events import operations
from crpv.events.forms import AgendaFilterForm
from crpv.events.models import EventDocument, EventFormat, EventMode, EventStatus, Session
from crpv.territories.models import Departement, Region

from .conftest import make_event, person_data

pytestmark = pytest.mark.django_db


def titles(response):
    tree = lxml.html.fromstring(response.content.decode())
    return [a.text_content().strip() for a in tree.xpath('//div[@id="resultats"]//h2/a')]


@pytest.fixture
def nord(db):
    region, _ = Region.objects.get_or_create(code="32", defaults={"name": "Hauts-de-France", "cog_year": 2024})
    departement, _ = Departement.objects.get_or_create(
        code="59", defaults={"name": "Nord", "region": region, "cog_year": 2024}
    )
    return departement


def test_agenda_lists_upcoming_published_events_in_date_order(client):
    later = make_event(title="Plus tard", start=timezone.now() + datetime.timedelta(days=20))
    sooner = make_event(title="Bientôt", start=timezone.now() + datetime.timedelta(days=2))
    make_event(title="Brouillon", status=EventStatus.DRAFT)
    make_event(title="Passé", start=timezone.now() - datetime.timedelta(days=30))
    response = client.get(reverse("events:agenda"))
    assert response.status_code == 200
    assert titles(response) == [sooner.title, later.title]


def test_agenda_filters_by_format_mode_theme_and_territory(client, nord):
    theme = Theme.objects.order_by("pk").first()
    webinar = make_event(title="Un webinaire")
    webinar.themes.add(theme)
    day = make_event(title="Une journée à Lille", format=EventFormat.DAY, mode=EventMode.IN_PERSON)
    day.target_departements.add(nord)
    url = reverse("events:agenda")
    assert titles(client.get(url, {"format": EventFormat.DAY})) == [day.title]
    assert titles(client.get(url, {"mode": EventMode.REMOTE})) == [webinar.title]
    assert titles(client.get(url, {"theme": theme.slug})) == [webinar.title]
    assert titles(client.get(url, {"territoire": "59"})) == [day.title]
    assert titles(client.get(url, {"format": EventFormat.DAY, "mode": EventMode.REMOTE})) == []
    # An unknown value is ignored, not an error.
    assert set(titles(client.get(url, {"format": "inconnu"}))) == {webinar.title, day.title}


def test_agenda_form_works_without_javascript_and_htmx_gets_only_the_results(client):
    make_event(title="Un webinaire")
    page = lxml.html.fromstring(client.get(reverse("events:agenda")).content.decode())
    form = page.xpath('//form[@class="agenda-filters"]')[0]
    assert form.get("method") == "get" and form.xpath(".//fieldset/legend")
    assert {el.get("name") for el in form.xpath(".//select")} == {"format", "mode", "theme", "territoire"}
    assert page.xpath('//div[@id="resultats"]')[0].get("aria-live") == "polite"
    fragment = client.get(reverse("events:agenda"), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and "Un webinaire" in fragment


def test_agenda_paginates_and_keeps_the_filters(client):
    start = timezone.now() + datetime.timedelta(days=3)
    for n in range(25):
        make_event(title=f"Webinaire {n:02d}", start=start + datetime.timedelta(hours=n))
    first = client.get(reverse("events:agenda"), {"mode": EventMode.REMOTE})
    assert len(titles(first)) == 20
    tree = lxml.html.fromstring(first.content.decode())
    next_link = tree.xpath('//nav[@aria-label="Pagination"]//a[@rel="next"]')[0].get("href")
    assert "mode=distanciel" in next_link and "page=2" in next_link
    second = client.get(reverse("events:agenda") + next_link)
    assert titles(second) == ["Webinaire 20", "Webinaire 21", "Webinaire 22", "Webinaire 23", "Webinaire 24"]


def test_agenda_query_count_does_not_grow_with_the_number_of_events(client, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    theme = Theme.objects.order_by("pk").first()
    start = timezone.now() + datetime.timedelta(days=3)

    def add(count):
        for n in range(count):
            event = make_event(title=f"Événement {n}", sessions=2, start=start + datetime.timedelta(hours=n))
            event.themes.add(theme)

    add(10)
    with CaptureQueriesContext(connection) as ten:
        assert client.get(reverse("events:agenda")).status_code == 200
    # count, page ids, page events, sessions, themes; the filters' themes and départements
    assert len(ten.captured_queries) == 7
    add(190)
    # The filters' choices are now in the cache (a minute): the 5 queries of the list.
    with django_assert_num_queries(5):
        client.get(reverse("events:agenda"))
    cache.clear()
    with django_assert_num_queries(7):
        client.get(reverse("events:agenda"))
    for n in range(3):
        make_event(title=f"Passé {n}", start=timezone.now() - datetime.timedelta(days=30 + n))
    # count, page ids, page events, sessions, themes, documents
    with django_assert_num_queries(6):
        client.get(reverse("events:past"))


def test_agenda_filter_choices_are_cached_for_a_minute_only(client):
    assert AgendaFilterForm.CHOICES_CACHE_SECONDS <= 60
    client.get(reverse("events:agenda"))
    Theme.objects.create(name="Thème tout neuf", slug="theme-tout-neuf")
    assert "Thème tout neuf" not in client.get(reverse("events:agenda")).content.decode()
    cache.clear()  # what the timeout does after a minute
    assert "Thème tout neuf" in client.get(reverse("events:agenda")).content.decode()


def test_seats_left_are_never_served_stale(client):
    event = make_event(title="Presque complet", capacity=1)
    assert "complet</span>" not in client.get(reverse("events:agenda")).content.decode()
    operations.register_participant(event=event, person_data=person_data(1))
    assert "complet</span>" in client.get(reverse("events:agenda")).content.decode()


def _pdf(name="synthese.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n%test\n", content_type="application/pdf")


def test_past_events_show_their_public_documents_by_kind(client):
    event = make_event(title="Journée passée", start=timezone.now() - datetime.timedelta(days=10))
    EventDocument.objects.create(event=event, title="Synthèse de la journée", kind="synthese", file=_pdf())
    EventDocument.objects.create(
        event=event, title="Diaporama", kind="presentation", file=SimpleUploadedFile("diapos.odp", b"PK\x03\x04rest")
    )
    EventDocument.objects.create(event=event, title="Notes internes", file=_pdf("notes.pdf"), public=False)
    response = client.get(reverse("events:past"))
    content = response.content.decode()
    assert titles(response) == [event.title]
    assert "Synthèse de la journée" in content and "Diaporama" in content and "Notes internes" not in content
    assert content.index("Présentations") < content.index("Diaporama")
    page = client.get(event.get_absolute_url()).content.decode()
    assert "Ressources de l'événement" in page and "Synthèses" in page
    assert "Notes internes" not in page
    assert "a eu lieu" in page and 'name="email"' not in page  # no registration form once over


def test_ical_feed_has_one_event_per_session_and_no_visio_link(client):
    event = make_event(title="Cycle", sessions=3, capacity=10)
    Session.objects.filter(event=event).order_by("starts_at").last().__class__.objects.filter(
        pk=event.sessions.order_by("starts_at").last().pk
    ).update(cancelled=True)
    make_event(title="Brouillon", status=EventStatus.DRAFT)
    response = client.get(reverse("events:ical"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    vevents = calendar.walk("VEVENT")
    assert len(vevents) == 3
    uids = {str(v["UID"]) for v in vevents}
    assert uids == {f"session-{s.pk}@127.0.0.1" for s in event.sessions.all()} or all(
        u.startswith("session-") for u in uids
    )
    assert all("DTSTAMP" in v and "DTSTART" in v and "DTEND" in v for v in vevents)
    assert [str(v["STATUS"]) for v in vevents].count("CANCELLED") == 1
    assert b"visio.example" not in response.content and b"salle-42" not in response.content
    # Stable: the same feed twice (DTSTAMP is the last change, not the time of the request).
    from django.core.cache import cache

    cache.clear()
    assert client.get(reverse("events:ical")).content == response.content


def test_theme_feed_keeps_only_that_theme(client):
    theme = Theme.objects.order_by("pk").first()
    tagged = make_event(title="Avec la thématique")
    tagged.themes.add(theme)
    make_event(title="Sans")
    response = client.get(reverse("events:theme_ical", args=[theme.slug]))
    summaries = [str(v["SUMMARY"]) for v in Calendar.from_ical(response.content).walk("VEVENT")]
    assert summaries == ["Avec la thématique"]
    assert client.get(reverse("events:theme_ical", args=["inconnue"])).status_code == 404


def _json_ld(response):
    tree = lxml.html.fromstring(response.content.decode())
    (script,) = tree.xpath('//script[@type="application/ld+json"]')
    return json.loads(script.text)


def test_event_page_carries_schema_org_event_data_without_the_visio_link(client, settings):
    settings.CRPV_SITE_URL = "https://irev.example"
    event = make_event(title="Webinaire </script><script>alert(1)</script>", capacity=3, sessions=2)
    response = client.get(event.get_absolute_url())
    assert "</script><script>alert" not in response.content.decode()
    data = _json_ld(response)
    assert data["@type"] == "Event" and data["name"] == event.title
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert data["location"]["@type"] == "VirtualLocation" and "url" not in data["location"]
    assert data["organizer"]["name"] == settings.CRPV_CENTRE["name"]
    assert data["offers"]["availability"] == "https://schema.org/InStock"
    assert data["url"] == f"https://irev.example{event.get_absolute_url()}"
    assert data["startDate"] < data["endDate"] and len(data["subEvent"]) == 2
    assert "visio.example" not in json.dumps(data)


def test_schema_org_place_and_sold_out(client):
    event = make_event(mode=EventMode.IN_PERSON, place_name="Maison de quartier", address="1 rue de Lille", capacity=1)
    event.seats_taken = 1
    event.save()
    data = _json_ld(client.get(event.get_absolute_url()))
    assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert data["location"]["@type"] == "Place" and data["location"]["name"] == "Maison de quartier"
    assert data["location"]["address"]["streetAddress"] == "1 rue de Lille"
    assert data["offers"]["availability"] == "https://schema.org/SoldOut"


def test_registration_post_reads_only_what_it_needs(client, django_assert_max_num_queries):
    event = make_event(capacity=5)
    form = {"first_name": "Alex", "last_name": "Martin", "email": "alex@ville.example"}
    # event, questions; savepoint (the test's transaction); person lookup; savepoint, INSERT person,
    # release; UPDATE seat; INSERT registration; one audit entry; release. (The task is enqueued on commit.)
    with django_assert_max_num_queries(11):
        response = client.post(event.get_absolute_url(), form)
    assert response.status_code == 303 and "/evenements/inscription/" in response["Location"]
    from crpv.core.models import AuditEntry

    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["events.registration_created"]
    entry = AuditEntry.objects.get()
    assert entry.details["person_created"] and entry.details["legal_basis"]
