"""Staff counts on a small fixture computed by hand; exports; consistency with the programme achievements."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from crpv.contacts.models import Organisation, OrganisationKind, Person, Position, Role, Theme
from crpv.events import stats
from crpv.events.achievements import count_for_targets
from crpv.events.models import EventFormat, EventMode, Registration, RegistrationStatus
from crpv.territories.models import Departement, Region

from .conftest import make_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def fixture_year():
    """Two held events in the current year, people placed by hand.

    - webinar (distanciel, 1 session of 1 h 30 → 1 demi-journée), theme A:
      Ana (confirmed), Bob (confirmed), Chloé (waiting list);
    - day (présentiel, 2 sessions of 7 h → 2 × 2 demi-journées), no theme:
      Ana (confirmed), Dan (cancelled).
    Ana works for an EPCI-kind structure in the Nord (59); Bob has no
    position but intervenes in the Somme (80); Chloé and Dan: nothing.
    """
    region = Region.objects.create(code="32", name="Hauts-de-France", cog_year=2024)
    nord = Departement.objects.create(code="59", name="Nord", region=region, cog_year=2024)
    somme = Departement.objects.create(code="80", name="Somme", region=region, cog_year=2024)
    theme = Theme.objects.order_by("pk").first()
    now = timezone.now()
    past = now - datetime.timedelta(days=1) if now.timetuple().tm_yday > 2 else now - datetime.timedelta(hours=3)
    webinar = make_event(title="Webinaire", start=past, hours=1.5)
    webinar.themes.add(theme)
    day = make_event(
        title="Journée", format=EventFormat.DAY, mode=EventMode.IN_PERSON, sessions=1, start=past, hours=7
    )
    s2 = day.sessions.get()
    s2.pk = None
    s2.starts_at -= datetime.timedelta(hours=0)
    s2.starts_at = past - datetime.timedelta(minutes=30)
    s2.ends_at = s2.starts_at + datetime.timedelta(hours=7)
    s2.save()
    ana = Person.objects.create(first_name="Ana", last_name="A", email="ana@x.example")
    bob = Person.objects.create(first_name="Bob", last_name="B", email="bob@x.example")
    chloe = Person.objects.create(first_name="Chloé", last_name="C", email="chloe@x.example")
    dan = Person.objects.create(first_name="Dan", last_name="D", email="dan@x.example")
    epci = Organisation.objects.create(name="Agglo", kind=OrganisationKind.EPCI)
    epci.departements.add(nord)
    Position.objects.create(person=ana, organisation=epci, role=Role.PILOT)
    bob.departements.add(somme)

    def reg(event, person, status, **dates):
        return Registration.objects.create(event=event, person=person, status=status, **dates)

    reg(webinar, ana, RegistrationStatus.CONFIRMED, confirmed_at=now)
    reg(webinar, bob, RegistrationStatus.CONFIRMED, confirmed_at=now)
    reg(webinar, chloe, RegistrationStatus.WAITLISTED, waitlisted_at=now)
    reg(day, ana, RegistrationStatus.CONFIRMED, confirmed_at=now)
    reg(day, dan, RegistrationStatus.CANCELLED)
    today = timezone.localdate()
    return {"webinar": webinar, "day": day, "theme": theme, "start": today.replace(month=1, day=1), "end": today}


def table(report, title):
    return dict(next(b for b in report.breakdowns if b.title == title).rows)


def test_period_report_by_hand(fixture_year):
    report = stats.period_report(start=fixture_year["start"], end=fixture_year["end"])
    assert report.events == 2 and report.sessions == 3
    assert report.half_days == 1 + 2 + 2
    assert report.participants == 2  # Ana (twice, counted once) and Bob
    assert dict(report.registrations)["confirmée"] == 3
    assert report.waiting == 1 and dict(report.registrations)["annulée"] == 1
    assert table(report, "Participants par département") == {"Nord (59)": 1, "Somme (80)": 1}
    assert table(report, "Participants par type de structure") == {"EPCI": 1, "non renseigné": 1}
    assert table(report, "Participants par rôle") == {"pilote du contrat de ville": 1, "non renseigné": 1}
    assert table(report, "Participants par EPCI") == {"non renseigné": 2}
    by_format = {label: (cells, total) for label, cells, total in report.half_day_return.by_format}
    assert by_format["webinaire"] == ([0, 1, 0], 1)  # présentiel, distanciel, hybride
    assert by_format["journée"] == ([4, 0, 0], 4)
    by_theme = {label: total for label, _, total in report.half_day_return.by_theme}
    assert by_theme == {fixture_year["theme"].name: 1, "sans thématique": 4}


def test_event_counts_and_attendance_degrades_gracefully(fixture_year):
    counts = stats.event_counts(fixture_year["webinar"])
    assert (counts.confirmed, counts.waiting, counts.sessions_held, counts.half_days) == (2, 1, 1, 1)
    try:
        from crpv.events.models import Attendance
    except ImportError:
        assert counts.attendance_rate is None
        return
    assert counts.attendance_rate is None  # no émargement yet
    session = fixture_year["webinar"].sessions.get()
    ana = Registration.objects.get(event=fixture_year["webinar"], person__first_name="Ana")
    Attendance.objects.create(session=session, registration=ana, present=True)
    assert stats.event_counts(fixture_year["webinar"]).attendance_rate == 0.5


def test_stats_agree_with_the_programme_achievements(fixture_year):
    from crpv.programme.models import Action, Axis, Programme, Target

    programme = Programme.objects.create(year=2099)
    axis = Axis.objects.create(programme=programme, number=1, roman="I", title="Axe")
    action = Action.objects.create(axis=axis, number=1, position=1, title="Action")
    for event in (fixture_year["webinar"], fixture_year["day"]):
        event.actions.add(action)
    targets = [
        Target.objects.create(action=action, position=n, quantity=1, unit=unit)
        for n, unit in enumerate(["demi_journee", "session", "participant"], start=1)
    ]
    achieved = count_for_targets(targets)
    report = stats.period_report(start=fixture_year["start"], end=fixture_year["end"])
    assert [achieved[t.pk] for t in targets] == [report.half_days, report.sessions, report.participants]


def test_stats_pages_and_exports_without_formula_cells(events_client, fixture_year):
    Person.objects.filter(first_name="Ana").update(first_name="=HYPERLINK(1)")
    Organisation.objects.update(name="=cmd|' /C calc'!A0")
    url = reverse("events_staff:stats")
    page = events_client.get(url)
    assert page.status_code == 200 and "<caption>" in page.content.decode()
    assert 'scope="row"' in page.content.decode()
    event_page = events_client.get(reverse("events_staff:event_stats", args=[fixture_year["webinar"].pk]))
    assert event_page.status_code == 200 and "Inscriptions par statut" in event_page.content.decode()
    xlsx = events_client.get(url, {"export": "xlsx"})
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert "Synthèse" in workbook.sheetnames and "Demi-journées par format" in workbook.sheetnames
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
    csv = events_client.get(url, {"export": "csv"}).content.decode("utf-8-sig")
    assert "demi-journées;5" in csv
    assert all(not line.split(";")[1].startswith(("=", "+", "-", "@")) for line in csv.splitlines()[1:] if ";" in line)
    bad = events_client.get(url, {"debut": "2025-12-31", "fin": "2025-01-01"})
    assert bad.status_code == 400 and "précède" in bad.content.decode()


def test_stats_need_the_permission(staff_client, staff_user):
    staff_user.groups.clear()
    assert staff_client.get(reverse("events_staff:stats")).status_code == 403


def test_stats_query_count_is_constant(fixture_year, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        stats.period_report(start=fixture_year["start"], end=fixture_year["end"])
