"""The espace doc desk: consultation on appointment, light loans, returns and reminders."""

import datetime
from io import StringIO

import lxml.html
import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from crpv.catalogue import desk
from crpv.catalogue.models import ConsultationRequest, Copy, CopyUse, Loan, Record
from crpv.contacts.models import Person
from crpv.core.models import AuditEntry

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def record():
    record = Record.objects.create(title="Guide de la participation des habitants", publication_year=2022)
    Copy.objects.create(record=record, call_number="PV 12", barcode="IREV0001")
    return record


def page(response):
    return lxml.html.fromstring(response.content)


def one(html, xpath):
    found = html.xpath(xpath)
    assert len(found) == 1, (xpath, len(found))
    return found[0]


def text(element):
    return " ".join(element.text_content().split())


def request_data(**extra):
    return {
        "name": "Awa Diallo",
        "email": "awa.diallo@ville.example",
        "organisation_name": "Ville de Roubaix",
        "wished_slots": "mardi 14 octobre, le matin",
        "message": "Pour préparer un diagnostic.",
        "website": "",
        **extra,
    }


# --- Public request -------------------------------------------------------------------------


def test_record_page_links_to_the_request_form(client, record):
    html = page(client.get(reverse("catalogue:record", args=[record.pk])))
    link = one(html, f'//a[@href="{reverse("catalogue:consultation_request", args=[record.pk])}"]')
    assert "rendez-vous" in text(link)


def test_request_form_has_labelled_fields_and_the_privacy_notice(client, record):
    response = client.get(reverse("catalogue:consultation_request", args=[record.pk]))
    html = page(response)
    assert len(html.xpath("//h1")) == 1
    for name in ("name", "email", "organisation_name", "wished_slots", "message"):
        field = one(html, f'//*[@name="{name}"]')
        one(html, f'//label[@for="{field.get("id")}"]')
    one(html, '//*[@id="mention-rgpd"]')
    one(html, '//input[@name="copies"]')
    assert one(html, '//input[@name="website"]').get("tabindex") == "-1"


def test_request_is_recorded_and_both_emails_leave_after_commit(
    client, record, smtp_server, django_capture_on_commit_callbacks, settings
):
    copy = record.copies.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("catalogue:consultation_request", args=[record.pk]), request_data(copies=[copy.pk])
        )
    assert response.status_code == 200
    assert "Demande de consultation envoyée" in text(one(page(response), "//h1"))
    consultation = ConsultationRequest.objects.get()
    assert consultation.status == ConsultationRequest.Status.NEW
    assert list(consultation.copies.all()) == [copy]
    assert AuditEntry.objects.filter(action="catalogue.consultation_requested").count() == 1
    by_recipient = {tuple(rcpt): message for rcpt, message in smtp_server.messages}
    assert set(by_recipient) == {("awa.diallo@ville.example",), (settings.CRPV_CENTRE["email"],)}
    to_requester = by_recipient[("awa.diallo@ville.example",)]
    assert "Demande de consultation reçue" in to_requester["Subject"]
    assert "mardi 14 octobre" in to_requester.get_content()
    to_centre = by_recipient[(settings.CRPV_CENTRE["email"],)]
    assert to_centre["Reply-To"] == "awa.diallo@ville.example"
    assert reverse("desk:consultation", args=[consultation.pk]) in to_centre.get_content()
    assert "PV 12" in to_centre.get_content()


def test_honeypot_writes_nothing(client, record, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("catalogue:consultation_request", args=[record.pk]), request_data(website="https://spam.example")
        )
    assert response.status_code == 200
    assert not ConsultationRequest.objects.exists() and not callbacks


def test_invalid_email_gives_a_french_error_tied_to_the_field(client, record):
    response = client.post(reverse("catalogue:consultation_request", args=[record.pk]), request_data(email="awa@"))
    assert response.status_code == 400
    html = page(response)
    assert "adresse électronique valide" in text(one(html, '//*[@id="id_email_erreur"]'))
    assert "id_email_erreur" in one(html, '//input[@name="email"]').get("aria-describedby")
    assert not ConsultationRequest.objects.exists()


def test_staff_only_record_cannot_be_requested_by_visitors(client, record):
    record.visibility = Record.Visibility.STAFF
    record.save()
    assert client.get(reverse("catalogue:consultation_request", args=[record.pk])).status_code == 404


# --- Staff: consultations --------------------------------------------------------------------


def make_consultation(record, **fields):
    return ConsultationRequest.objects.create(
        record=record,
        name=fields.pop("name", "Awa Diallo"),
        email="awa@ville.example",
        wished_slots="jeudi",
        **fields,
    )


def test_staff_list_filters_by_status_and_text(documentaliste, record, django_assert_max_num_queries):
    make_consultation(record, name="Awa Diallo")
    make_consultation(record, name="Bruno Petit", status=ConsultationRequest.Status.CANCELLED)
    url = reverse("desk:consultations")
    with django_assert_max_num_queries(12):
        html = page(documentaliste.get(url))
    assert [text(a) for a in html.xpath("//tbody/tr/th/a")] == ["Awa Diallo"]
    html = page(documentaliste.get(url, {"status": "annulee"}))
    assert [text(a) for a in html.xpath("//tbody/tr/th/a")] == ["Bruno Petit"]
    html = page(documentaliste.get(url, {"status": "toutes", "q": "petit"}))
    assert [text(a) for a in html.xpath("//tbody/tr/th/a")] == ["Bruno Petit"]
    one(html, "//caption")


def test_status_changes_and_done_records_a_consultation_use(documentaliste, record):
    consultation = make_consultation(record)
    url = reverse("desk:consultation_change", args=[consultation.pk])
    day = (TODAY + datetime.timedelta(days=7)).isoformat()
    response = documentaliste.post(
        url,
        {
            "status": "confirmee",
            "appointment_on": day,
            "appointment_time": "10:00",
            "appointment": "salle 2",
            "staff_note": "OK",
        },
    )
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == "confirmee" and consultation.appointment == "salle 2"
    assert timezone.localtime(consultation.appointment_at).strftime("%Y-%m-%d %H:%M") == f"{day} 10:00"
    assert not CopyUse.objects.exists()
    documentaliste.post(url, {"status": "realisee", "done_on": "2025-10-14", "staff_note": "venue"})
    use = CopyUse.objects.get()
    assert use.kind == CopyUse.Kind.CONSULTATION and use.used_on == datetime.date(2025, 10, 14)
    assert use.copy == record.copies.get()
    html = page(documentaliste.get(reverse("desk:consultation", args=[consultation.pk])))
    assert not html.xpath(f'//form[@action="{url}"]')  # closed: no more changes
    response = documentaliste.post(url, {"status": "nouvelle"})
    assert response.status_code == 400
    assert "ne peut pas passer" in text(one(page(response), '//*[@id="id_status_erreur"]'))
    assert CopyUse.objects.count() == 1
    assert AuditEntry.objects.filter(action="catalogue.consultation_changed").count() == 2


def test_permissions(client, staff_user, record):
    consultation = make_consultation(record)
    client.force_login(staff_user)  # chargé·e de mission: reads the catalogue, changes nothing
    assert client.get(reverse("desk:home")).status_code == 200
    assert client.get(reverse("desk:consultation", args=[consultation.pk])).status_code == 200
    change = reverse("desk:consultation_change", args=[consultation.pk])
    assert client.post(change, {"status": "annulee"}).status_code == 403
    assert client.get(reverse("desk:lend")).status_code == 403
    assert client.get(reverse("desk:import_upload")).status_code == 403
    client.logout()
    assert client.get(reverse("desk:consultations")).status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == "nouvelle"


def test_home_counts(documentaliste, record):
    make_consultation(record)
    html = page(documentaliste.get(reverse("desk:home")))
    assert "1 nouvelle demande" in text(html)
    one(html, f'//a[@href="{reverse("desk:home")}"][@aria-current="page"]')


# --- Loans ----------------------------------------------------------------------------------


def lend_data(**extra):
    return {
        "copy_ref": "IREV0001",
        "borrower_name": "Awa Diallo",
        "borrower_email": "awa@ville.example",
        "borrower_organisation": "Ville de Roubaix",
        "due_on": (TODAY + datetime.timedelta(days=21)).isoformat(),
        "note": "",
        **extra,
    }


def test_lend_then_return(documentaliste, record):
    person = Person.objects.create(first_name="Awa", last_name="Diallo", email="awa@ville.example")
    assert documentaliste.get(reverse("desk:lend")).status_code == 200
    response = documentaliste.post(reverse("desk:lend"), lend_data())
    assert response.status_code == 302
    loan = Loan.objects.get()
    copy = record.copies.get()
    assert copy.status == Copy.Status.ON_LOAN and loan.person == person and loan.lent_on == TODAY
    html = page(documentaliste.get(reverse("desk:loans")))
    assert "Awa Diallo" in text(one(html, "//tbody"))
    response = documentaliste.post(reverse("desk:return_loan", args=[loan.pk]))
    assert response.status_code == 302
    loan.refresh_from_db()
    copy.refresh_from_db()
    assert loan.returned_on == TODAY and copy.status == Copy.Status.AVAILABLE
    use = CopyUse.objects.get()
    assert use.kind == CopyUse.Kind.LOAN and use.copy == copy
    documentaliste.post(reverse("desk:return_loan", args=[loan.pk]))  # twice: refused, nothing more
    assert CopyUse.objects.count() == 1
    assert {"catalogue.loan_created", "catalogue.loan_returned"} <= set(
        AuditEntry.objects.values_list("action", flat=True)
    )


def test_lending_an_unavailable_copy_is_refused(documentaliste, record):
    copy = record.copies.get()
    copy.status = Copy.Status.MISSING
    copy.save()
    response = documentaliste.post(reverse("desk:lend"), lend_data())
    assert response.status_code == 400
    assert "n'est pas disponible" in text(one(page(response), '//*[@id="id_copy_ref_erreur"]'))
    assert not Loan.objects.exists()
    response = documentaliste.post(reverse("desk:lend"), lend_data(copy_ref="inconnu"))
    assert "Aucun exemplaire" in text(one(page(response), '//*[@id="id_copy_ref_erreur"]'))


def test_lend_form_prefills_the_copy(documentaliste, record):
    html = page(documentaliste.get(reverse("desk:lend"), {"exemplaire": record.copies.get().pk}))
    assert one(html, '//input[@name="copy_ref"]').get("value") == "IREV0001"


def test_one_open_loan_per_copy_in_the_database(record):
    copy = record.copies.get()
    Loan.objects.create(copy=copy, borrower_name="A", due_on=TODAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        Loan.objects.create(copy=copy, borrower_name="B", due_on=TODAY)
    Loan.objects.filter(copy=copy).update(returned_on=TODAY)
    Loan.objects.create(copy=copy, borrower_name="B", due_on=TODAY)


def test_second_loan_of_a_lent_copy_is_refused(record, staff_user):
    copy = record.copies.get()
    due = TODAY + datetime.timedelta(days=7)
    args = {"borrower_email": "", "borrower_organisation": "", "due_on": due, "acting_user": staff_user}
    desk.lend_copy(copy=copy, borrower_name="A", **args)
    with pytest.raises(desk.DeskError, match="pas disponible"):
        desk.lend_copy(copy=copy, borrower_name="B", **args)


def overdue_loan(record, *, days_late=3, **fields):
    copy = record.copies.first()
    copy.status = Copy.Status.ON_LOAN
    copy.save()
    return Loan.objects.create(
        copy=copy,
        borrower_name="Awa Diallo",
        borrower_email="awa@ville.example",
        lent_on=TODAY - datetime.timedelta(days=30),
        due_on=TODAY - datetime.timedelta(days=days_late),
        **fields,
    )


def test_overdue_list(documentaliste, record):
    other = Record.objects.create(title="Autre document")
    Copy.objects.create(record=other, call_number="PV 13")
    late = overdue_loan(record)
    Loan.objects.create(
        copy=other.copies.get(), borrower_name="Bruno Petit", due_on=TODAY + datetime.timedelta(days=5)
    )
    html = page(documentaliste.get(reverse("desk:loans"), {"overdue": "on"}))
    rows = html.xpath("//tbody/tr")
    assert len(rows) == 1 and "Awa Diallo" in text(rows[0]) and "en retard" in text(rows[0])
    assert Loan.objects.overdue(TODAY).get() == late
    html = page(documentaliste.get(reverse("desk:loans")))
    assert len(html.xpath("//tbody/tr")) == 2


def test_reminders_dry_by_default_then_sent_once_per_period(record, smtp_server, settings):
    settings.CRPV_LOAN_REMINDER_DAYS = 7
    loan = overdue_loan(record)
    out = StringIO()
    call_command("send_loan_reminders", stdout=out)
    assert "serait relancé : Awa Diallo" in out.getvalue() and "1 relance(s)" in out.getvalue()
    assert not smtp_server.messages
    loan.refresh_from_db()
    assert loan.reminders_sent == 0

    call_command("send_loan_reminders", "--wet-run", stdout=StringIO())
    assert len(smtp_server.messages) == 1
    recipients, message = smtp_server.messages[0]
    assert recipients == ["awa@ville.example"]
    assert "Guide de la participation" in message["Subject"] and "3 jours de retard" in message.get_content()
    loan.refresh_from_db()
    assert loan.reminders_sent == 1 and loan.last_reminder_at is not None

    call_command("send_loan_reminders", "--wet-run", stdout=StringIO())  # the same day: nothing
    assert len(smtp_server.messages) == 1
    Loan.objects.filter(pk=loan.pk).update(last_reminder_at=timezone.now() - datetime.timedelta(days=3))
    call_command("send_loan_reminders", "--wet-run", stdout=StringIO())
    assert len(smtp_server.messages) == 1
    Loan.objects.filter(pk=loan.pk).update(last_reminder_at=timezone.now() - datetime.timedelta(days=8))
    call_command("send_loan_reminders", "--wet-run", stdout=StringIO())
    assert len(smtp_server.messages) == 2
    loan.refresh_from_db()
    assert loan.reminders_sent == 2
    assert AuditEntry.objects.filter(action="catalogue.loan_reminded").count() == 2


def test_returned_and_not_yet_due_loans_get_no_reminder(record):
    overdue_loan(record).__class__.objects.update(returned_on=TODAY)
    other = Record.objects.create(title="Autre")
    Copy.objects.create(record=other)
    Loan.objects.create(copy=other.copies.get(), borrower_name="B", borrower_email="b@x.example", due_on=TODAY)
    assert desk.send_loan_reminders(acting_user=None, dry_run=True) == []
