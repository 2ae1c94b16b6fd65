"""Import of a webinar tool's attendance report, matched to registrations."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crpv.core.models import AuditEntry
from crpv.events import attendance
from crpv.events.models import Attendance, AttendanceSource
from crpv.events.models.events import EventMode

from .test_attendance_helpers import enrol, make_cycle

pytestmark = pytest.mark.django_db

# A Zoom-like French export, saved by Excel: Windows-1252, `;`, one line per
# connection. Hélène reconnects twice (50 + 40 + 20 min = 110 min of 180);
# Karim has only 30 min; an unknown guest cannot be matched.
ZOOM_FR = (
    "Nom (nom d'origine);E-mail de l'utilisateur;Heure d'arrivée;Heure de départ;Durée (minutes);Invité\r\n"
    "Hélène Dupré;helene.dupre@lille.example;{d} 09:00:00;{d} 09:50:00;50;Non\r\n"
    "Karim B.;karim.benali@mel.example;{d} 09:05:00;{d} 09:35:00;30;Non\r\n"
    "Hélène Dupré (tablette);helene.dupre@lille.example;{d} 10:00:00;{d} 10:40:00;40;Non\r\n"
    "Invité mystère;;{d} 09:10:00;{d} 11:00:00;110;Oui\r\n"
    "Hélène Dupré;HELENE.DUPRE@lille.example;{d} 11:30:00;{d} 11:50:00;20;Non\r\n"
)

# A Teams-like English export in UTF-8 with `,`, no duration column and no
# e-mail for Zoé (matched by her name, written « Last First » without accents).
TEAMS_EN = (
    "Full Name,Join Time,Leave Time,Role\n"
    '"LEFEVRE Zoe","{us} 9:01:00 AM","{us} 10:30:00 AM",Attendee\n'
    '"LEFEVRE Zoe","{us} 10:20:00 AM","{us} 11:55:00 AM",Attendee\n'
    '"Jean-Marc Aegidius","{us} 9:00:00 AM","{us} 9:20:00 AM",Attendee\n'
)


@pytest.fixture
def webinar():
    return make_cycle(sessions=[(9, 12)], title="Webinaire GUSP", mode=EventMode.REMOTE)


def _session_and_dates(event):
    session = event.sessions.get()
    return session, f"{session.starts_at.astimezone():%d/%m/%Y}", f"{session.starts_at.astimezone():%m/%d/%Y}"


def test_windows_1252_semicolon_export_with_reconnections(events_client, webinar):
    helene, karim, zoe, _ = enrol(webinar)
    session, fr, _ = _session_and_dates(webinar)
    data = ZOOM_FR.format(d=fr).encode("cp1252")
    upload = SimpleUploadedFile("participants_zoom.csv", data, content_type="text/csv")
    response = events_client.post(reverse("events_staff:attendance_visio_import", args=[session.pk]), {"file": upload})
    html = response.content.decode()
    assert response.status_code == 200
    marks = {a.registration_id: a for a in Attendance.objects.filter(session=session)}
    assert set(marks) == {helene.pk, karim.pk}
    assert marks[helene.pk].minutes == 110 and marks[helene.pk].present  # ≥ 50 % of 180 min
    assert marks[karim.pk].minutes == 30 and not marks[karim.pk].present
    assert marks[helene.pk].source == AttendanceSource.VISIO
    assert "Invité mystère" in html and "À rapprocher à la main (1)" in html
    assert "Zoé Lefèvre" in html  # proposed for the manual match
    assert AuditEntry.objects.filter(action="attendance.visio_imported").count() == 1
    # Staff match the guest by hand: 110 min is enough to be present.
    response = events_client.post(
        reverse("events_staff:attendance_visio_match", args=[session.pk]), {"registration": zoe.pk, "minutes": 110}
    )
    assert response.status_code == 302
    assert Attendance.objects.get(session=session, registration=zoe).present
    bad = events_client.post(reverse("events_staff:attendance_visio_match", args=[session.pk]), {"minutes": 10})
    assert bad.status_code == 302 and Attendance.objects.filter(session=session).count() == 3


def test_utf8_comma_export_matched_by_folded_name_with_overlaps_counted_once(webinar, events_staff):
    _, _, zoe, jm = enrol(webinar)
    session, _, us = _session_and_dates(webinar)
    result = attendance.import_visio_report(
        session=session, source=TEAMS_EN.format(us=us).encode("utf-8"), acting_user=events_staff, filename="teams.csv"
    )
    assert result.report.ok and result.report.written
    assert result.report.delimiter == "," and result.report.encoding == "utf-8"
    marks = {a.registration_id: a for a in Attendance.objects.filter(session=session)}
    # 9:01–10:30 and 10:20–11:55 overlap: 174 minutes online, not 184.
    assert marks[zoe.pk].minutes == 174 and marks[zoe.pk].present
    assert marks[jm.pk].minutes == 20 and not marks[jm.pk].present
    assert result.unmatched == []


def test_the_presence_ratio_is_a_setting_of_the_event(webinar, events_staff):
    from crpv.events.models import AttendanceRules

    _, karim, _, _ = enrol(webinar)
    AttendanceRules.objects.create(event=webinar, min_presence_ratio=0.1)
    session, fr, _ = _session_and_dates(webinar)
    attendance.import_visio_report(
        session=session, source=ZOOM_FR.format(d=fr).encode("cp1252"), acting_user=events_staff
    )
    assert Attendance.objects.get(registration=karim).present  # 30 min ≥ 10 % of 180


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("Foo;Bar;Baz\r\n1;2;3\r\n", "ni colonne « Nom » ni colonne « E-mail »"),
        ("Nom;E-mail;Remarque\r\nDupré;helene.dupre@lille.example;ok\r\n", "ni colonne « Durée (minutes) »"),
        ("Nom;Durée;Durée (minutes)\r\nDupré;10;10\r\n", "correspondent toutes deux"),
    ],
)
def test_unknown_or_missing_columns_are_refused_and_nothing_is_written(events_client, webinar, content, expected):
    enrol(webinar)
    session = webinar.sessions.get()
    upload = SimpleUploadedFile("rapport.csv", content.encode("cp1252"), content_type="text/csv")
    response = events_client.post(reverse("events_staff:attendance_visio_import", args=[session.pk]), {"file": upload})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Fichier refusé" in html and expected in html
    assert "Rien n'a été enregistré" in html
    assert not Attendance.objects.exists()
    assert not AuditEntry.objects.filter(action="attendance.visio_imported").exists()


def test_a_bad_line_is_reported_by_line_and_column_and_nothing_is_written(events_client, webinar):
    enrol(webinar)
    session, fr, _ = _session_and_dates(webinar)
    content = ZOOM_FR.format(d=fr) + "Zoé Lefèvre;zoe.lefevre@roubaix.example;demain;plus tard;;Non\r\n"
    upload = SimpleUploadedFile("rapport.csv", content.encode("cp1252"), content_type="text/csv")
    response = events_client.post(reverse("events_staff:attendance_visio_import", args=[session.pk]), {"file": upload})
    html = response.content.decode()
    assert response.status_code == 400
    assert "ligne 7, colonne « Heure d&#x27;arrivée » : date ou heure illisible" in html
    assert not Attendance.objects.exists()


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("95", 95),
        ("95,5", 95.5),
        ("1:35:00", 95),
        ("1:35", 95),
        ("1 h 35 min", 95),
        ("35 min 30 s", 35.5),
        ("x", None),
    ],
)
def test_duration_cells(text, minutes):
    assert attendance.parse_minutes(text) == minutes
