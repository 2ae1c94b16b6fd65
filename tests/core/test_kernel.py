import pytest
from django.core import mail as django_mail
from django.core.mail import EmailMultiAlternatives

from crpv.core.mail import OutboxBackend
from crpv.core.models import AuditEntry, OutboxMessage
from crpv.core.text import fold


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Béthune", "bethune"),
        ("Saint-Quentin", "saint quentin"),
        ("QN05901M", "qn05901m"),
        ("Mons-en-Barœul", "mons en baroeul"),
        ("L'Haÿ-les-Roses", "l hay les roses"),
        ("", ""),
    ],
)
def test_fold(raw, folded):
    assert fold(raw) == folded


@pytest.mark.django_db
def test_audit_entry_records_actor_and_object(staff_user):
    entry = AuditEntry.record(staff_user, "user.viewed", staff_user, reason="test")
    assert entry.actor == staff_user
    assert entry.object_type == "users.user" and entry.object_id == str(staff_user.pk)
    assert entry.details == {"reason": "test"}


@pytest.mark.django_db
def test_outbox_backend_keeps_messages_on_the_machine():
    message = EmailMultiAlternatives("Invitation", "Bonjour", "irev@irev.example", ["a@example.org"])
    message.attach_alternative("<p>Bonjour</p>", "text/html")
    assert OutboxBackend().send_messages([message]) == 1
    kept = OutboxMessage.objects.get()
    assert kept.subject == "Invitation" and kept.to == "a@example.org" and kept.html == "<p>Bonjour</p>"
    assert "Subject: Invitation" in kept.raw
    assert django_mail.outbox == []
