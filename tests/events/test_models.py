import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from crpv.events.models import Event, count_half_days, validate_document
from crpv.events.richtext import sanitise_html

from .conftest import make_event


def at(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime(2025, 3, day, hour, minute))


@pytest.mark.parametrize(
    ("start", "end", "half_days"),
    [
        (at(10, 10), at(10, 11, 30), 1),  # 1 h 30 webinar
        (at(10, 9), at(10, 13), 1),  # a morning, exactly 4 h
        (at(10, 9), at(10, 13, 1), 2),  # just over 4 h
        (at(10, 9), at(10, 17), 2),  # a full day
        (at(10, 9), at(11, 17), 4),  # a 2-day VRL training entered as one session
        (at(10, 14), at(12, 12), 4),  # afternoon, full day, morning
        (at(10, 9), at(11, 12), 3),  # a day and a morning
        (at(10, 10), at(10, 10), 0),  # empty
    ],
)
def test_half_day_rule(start, end, half_days):
    assert count_half_days(start, end) == half_days


@pytest.mark.django_db
def test_session_stores_its_half_days_and_event_sums_them():
    event = make_event(sessions=3, hours=6)
    assert [s.half_days for s in event.sessions.all()] == [2, 2, 2]
    assert event.half_days() == 6


@pytest.mark.django_db
def test_slug_is_unique_and_readable():
    a = make_event(title="Journée des CPO")
    b = make_event(title="Journée des CPO")
    assert a.slug == "journee-des-cpo" and b.slug == "journee-des-cpo-2"


XSS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '<a href="javascript:window.__xss=1">lien</a>',
    '<a href="JaVaScRiPt:alert(1)">lien</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">lien</a>',
    '<svg onload="alert(1)"><circle /></svg>',
    '<iframe src="https://evil.example"></iframe>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<div onmouseover="alert(1)">survol</div>',
    "<scr<script>ipt>alert(1)</script>",
    '<a href="&#106;avascript:alert(1)">x</a>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<form action="https://evil.example"><button>Envoyer</button></form>',
    "<!--<img src=x onerror=alert(1)>-->",
    '<object data="x.swf"></object>',
]


@pytest.mark.parametrize("payload", XSS)
def test_rich_text_keeps_no_script(payload):
    from html.parser import HTMLParser

    seen = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            seen.append((tag, attrs))

    cleaned = sanitise_html(f"<p>Bonjour</p>{payload}")
    Collect().feed(cleaned)
    for tag, attrs in seen:
        assert tag not in {"script", "iframe", "object", "svg", "form", "style", "math", "img"}
        for name, value in attrs:
            assert not name.lower().startswith("on")
            assert name != "style"
            assert not (value or "").strip().lower().startswith(("javascript:", "data:"))


@pytest.mark.django_db
def test_description_is_sanitised_on_save_and_keeps_allowed_markup():
    event = make_event(
        description='<h2>Programme</h2><p><strong>9 h</strong> <a href="https://a.fr">accueil</a></p>'
        "<script>alert(1)</script>"
    )
    event = Event.objects.get(pk=event.pk)
    assert "<script>" not in event.description
    assert "<h2>Programme</h2>" in event.description and 'href="https://a.fr"' in event.description


def test_document_upload_limits(settings):
    settings.CRPV_MAX_UPLOAD_MB = 1
    with pytest.raises(ValidationError, match="taille maximale"):
        validate_document(SimpleUploadedFile("gros.pdf", b"0" * (1024 * 1024 + 1)))
    with pytest.raises(ValidationError, match="Type de fichier refusé"):
        validate_document(SimpleUploadedFile("page.html", b"<script></script>"))
    validate_document(SimpleUploadedFile("programme.pdf", b"%PDF-1.4"))
