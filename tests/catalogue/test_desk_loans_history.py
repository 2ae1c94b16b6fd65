"""The Espace doc's loans page: current loans by default, also overdue, returned or all of them, searched by
borrower or document, by loan date, and one record's loan history."""

import datetime

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone

from crpv.catalogue.models import Copy, Loan, Record
from crpv.contacts.models import Person
from tests.catalogue.test_desk import one, text
from tests.catalogue.test_desk import page as desk_page

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
URL = reverse("desk:loans")


def days(n):
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def guide():
    record = Record.objects.create(title="Le guide de la participation des habitants", publication_year=2022)
    Copy.objects.create(record=record, call_number="PV 12", barcode="IREV0001")
    Copy.objects.create(record=record, call_number="PV 12 bis", barcode="IREV0002")
    return record


@pytest.fixture
def rapport():
    record = Record.objects.create(title="Évaluation des contrats de ville", publication_year=2024)
    Copy.objects.create(record=record, call_number="EV 3", barcode="IREV0003")
    return record


@pytest.fixture
def loans(guide, rapport):
    """One loan of each kind: current, overdue, returned (late, which is no longer "en retard")."""
    person = Person.objects.create(first_name="Élodie", last_name="Lefèvre", email="elodie.lefevre@ville.example")
    first, second = guide.copies.order_by("pk")
    return {
        "current": Loan.objects.create(
            copy=first,
            borrower_name="Bruno Petit",
            borrower_email="bruno@asso.example",
            lent_on=days(-5),
            due_on=days(16),
        ),
        "overdue": Loan.objects.create(
            copy=rapport.copies.get(),
            person=person,
            borrower_name="Élodie Lefèvre",
            borrower_email="elodie.lefevre@ville.example",
            lent_on=days(-40),
            due_on=days(-10),
        ),
        "returned": Loan.objects.create(
            copy=second,
            borrower_name="Awa Diallo",
            borrower_email="awa@ville.example",
            borrower_organisation="Ville de Roubaix",
            lent_on=days(-90),
            due_on=days(-60),
            returned_on=days(-50),
        ),
    }


def page(response):
    assert response.status_code == 200
    return desk_page(response)


def borrowers(html):
    """The borrower cell of each row, reduced to the name."""
    return [text(row.xpath("td[2]")[0]).split(" (")[0].split(" —")[0] for row in html.xpath("//tbody/tr[th]")]


# --- Statuses -------------------------------------------------------------------------------


def test_current_loans_by_default_with_the_overdue_marker_and_count(documentaliste, loans):
    html = page(documentaliste.get(URL))
    assert borrowers(html) == ["Élodie Lefèvre", "Bruno Petit"]  # by due date
    assert "Prêts en cours (2)" in text(one(html, "//caption"))
    assert "1 prêt en retard." in text(html)
    late = one(html, '//strong[contains(@class, "badge")]')
    assert "Élodie Lefèvre" in text(late.getparent().getparent())
    assert not html.xpath('//th[@scope="col"][normalize-space()="Rendu le"]')
    assert len(html.xpath('//tbody//form[@method="post"]//button')) == 2
    assert one(html, '//select[@name="status"]/option[@selected]').get("value") == ""


def test_overdue_loans(documentaliste, loans):
    html = page(documentaliste.get(URL, {"status": "retard"}))
    assert borrowers(html) == ["Élodie Lefèvre"]
    assert "Prêts en retard (1)" in text(one(html, "//caption"))


def test_returned_loans_show_the_return_date_and_no_overdue_marker(documentaliste, loans):
    html = page(documentaliste.get(URL, {"status": "rendus"}))
    assert borrowers(html) == ["Awa Diallo"]
    assert "Prêts rendus (1)" in text(one(html, "//caption"))
    one(html, '//th[@scope="col"][normalize-space()="Rendu le"]')
    row = one(html, "//tbody/tr")
    assert days(-50).strftime("%d/%m/%Y") in text(row)
    assert "en retard" not in text(row)  # returned after its due date, but no longer late
    assert not row.xpath('.//form[@method="post"]')  # nothing to return
    assert "1 prêt en retard." in text(html)  # the count stays visible


def test_all_loans_most_recent_first(documentaliste, loans):
    html = page(documentaliste.get(URL, {"status": "tous"}))
    assert borrowers(html) == ["Bruno Petit", "Élodie Lefèvre", "Awa Diallo"]
    assert "Tous les prêts (3), du plus récent au plus ancien" in text(one(html, "//caption"))
    rows = html.xpath("//tbody/tr")
    assert "en cours" in text(rows[0]) and "en retard" in text(rows[1]) and "en retard" not in text(rows[2])
    assert len(html.xpath('//tbody//form[@method="post"]//button')) == 2  # the open loans only


def test_old_overdue_links_still_work(documentaliste, loans):
    html = page(documentaliste.get(URL, {"overdue": "on"}))
    assert borrowers(html) == ["Élodie Lefèvre"]
    assert one(html, '//select[@name="status"]/option[@selected]').get("value") == "retard"


def test_unknown_status_is_an_error_and_the_list_stays_on_current_loans(documentaliste, loans):
    html = page(documentaliste.get(URL, {"status": "perdus"}))
    assert "Sélectionnez un choix valide" in text(one(html, '//*[@id="id_status_erreur"]'))
    assert borrowers(html) == ["Élodie Lefèvre", "Bruno Petit"]


# --- Search and dates -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("elodie LEFEVRE", ["Élodie Lefèvre"]),  # the person's folded name
        ("lefèvre", ["Élodie Lefèvre"]),
        ("bruno@asso", ["Bruno Petit"]),  # the borrower's e-mail
        ("Petit", ["Bruno Petit"]),  # the loan's borrower name, no person
        ("evaluation contrats", ["Élodie Lefèvre"]),  # the title, accents folded
        ("Le guide de la participation", ["Bruno Petit", "Awa Diallo"]),  # leading article
        ("HABITANTS", ["Bruno Petit", "Awa Diallo"]),
        ("IREV0002", ["Awa Diallo"]),  # barcode
        ("ev 3", ["Élodie Lefèvre"]),  # call number
        ("personne inconnue", []),
    ],
)
def test_search_by_borrower_or_document(documentaliste, loans, q, expected):
    html = page(documentaliste.get(URL, {"status": "tous", "q": q}))
    assert borrowers(html) == expected
    assert one(html, '//input[@name="q"]').get("value") == q


def test_search_queryset_method(loans):
    assert set(Loan.objects.search("élodie")) == {loans["overdue"]}
    assert set(Loan.objects.search("  ")) == set(Loan.objects.all())
    assert set(Loan.objects.returned().search("participation")) == {loans["returned"]}
    assert set(Loan.objects.current().search("participation")) == {loans["current"]}


def test_date_range_on_the_loan_date(documentaliste, loans):
    between = {"status": "tous", "du": days(-45).isoformat(), "au": days(-5).isoformat()}
    assert borrowers(page(documentaliste.get(URL, between))) == ["Bruno Petit", "Élodie Lefèvre"]
    since = {"status": "tous", "du": days(-5).isoformat()}
    assert borrowers(page(documentaliste.get(URL, since))) == ["Bruno Petit"]
    until = {"status": "tous", "au": days(-41).isoformat()}
    assert borrowers(page(documentaliste.get(URL, until))) == ["Awa Diallo"]
    french = {"status": "tous", "du": days(-90).strftime("%d/%m/%Y"), "au": days(-90).strftime("%d/%m/%Y")}
    assert borrowers(page(documentaliste.get(URL, french))) == ["Awa Diallo"]
    assert set(Loan.objects.lent_between(days(-90), days(-40))) == {loans["returned"], loans["overdue"]}


def test_invalid_date_range_gives_a_french_message_beside_the_field(documentaliste, loans):
    response = documentaliste.get(URL, {"status": "tous", "du": days(-5).isoformat(), "au": days(-45).isoformat()})
    html = page(response)
    error = one(html, '//*[@id="id_au_erreur"]')
    assert "précède la date « prêtés à partir du »" in text(error)
    assert "id_au_erreur" in one(html, '//input[@name="au"]').get("aria-describedby")
    assert borrowers(html) == ["Bruno Petit"]  # the valid start date still applies


def test_invalid_date_gives_a_french_message(documentaliste, loans):
    html = page(documentaliste.get(URL, {"du": "31/02/2025"}))
    assert "Saisissez une date valide" in text(one(html, '//*[@id="id_du_erreur"]'))


def test_filters_have_labels_and_the_table_a_caption(documentaliste, loans):
    html = page(documentaliste.get(URL))
    form = one(html, '//form[@method="get"]')
    for name in ("status", "q", "du", "au"):
        field = one(form, f'.//*[@name="{name}"]')
        one(form, f'.//label[@for="{field.get("id")}"]')
    one(html, "//table/caption")


def test_pagination_keeps_the_filters(documentaliste, guide):
    copy = guide.copies.first()
    Loan.objects.bulk_create(
        Loan(copy=copy, borrower_name=f"Emprunteur {n}", lent_on=days(-n - 10), due_on=days(-n), returned_on=days(-n))
        for n in range(55)
    )
    html = page(documentaliste.get(URL, {"status": "rendus", "q": "emprunteur"}))
    assert len(html.xpath("//tbody/tr")) == 50
    href = one(html, '//a[normalize-space()="Page suivante"]').get("href")
    assert "status=rendus" in href and "q=emprunteur" in href and "page=2" in href
    html = page(documentaliste.get(URL + href))
    assert len(html.xpath("//tbody/tr")) == 5


def test_the_page_reads_in_a_few_queries(documentaliste, loans, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        documentaliste.get(URL, {"status": "tous", "q": "guide"})


# --- One record's history -------------------------------------------------------------------


def test_a_record_s_loan_history(documentaliste, loans, guide):
    html = page(documentaliste.get(URL, {"notice": guide.pk}))
    assert "Historique des prêts de « Le guide de la participation des habitants »" in text(one(html, "//h2"))
    assert borrowers(html) == ["Bruno Petit", "Awa Diallo"]  # every status by default
    assert one(html, '//select[@name="status"]/option[@selected]').get("value") == "tous"
    assert one(html, '//input[@name="notice"]').get("value") == str(guide.pk)  # kept when filtering again
    record_page = reverse("catalogue:record", args=[guide.pk])
    assert one(html, '//a[normalize-space()="Voir la notice"]').get("href") == record_page
    html = page(documentaliste.get(URL, {"notice": guide.pk, "status": "rendus"}))
    assert borrowers(html) == ["Awa Diallo"]
    assert set(Loan.objects.of_record(guide)) == {loans["current"], loans["returned"]}


def test_each_title_in_the_table_links_to_its_history(documentaliste, loans, guide, rapport):
    html = page(documentaliste.get(URL, {"status": "tous"}))
    for record in (guide, rapport):
        link = html.xpath(f'//tbody//a[@href="{URL}?notice={record.pk}"]')
        assert link and "historique des prêts de" in text(link[0])
    response = documentaliste.get(html.xpath(f'//tbody//a[@href="{URL}?notice={rapport.pk}"]')[0].get("href"))
    assert borrowers(page(response)) == ["Élodie Lefèvre"]


def test_an_unknown_record_gives_a_message_not_a_crash(documentaliste, loans):
    for notice in ("999999", "abc"):
        html = page(documentaliste.get(URL, {"notice": notice}))
        assert "Cette notice n'existe pas" in text(html)
        assert not html.xpath("//h2")


# --- Permissions ----------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page(client, loans):
    response = client.get(URL, {"status": "tous"})
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


def test_staff_without_the_permission_is_refused_and_sees_no_borrower(client, django_user_model, loans, guide):
    user = django_user_model.objects.create_user(username="stagiaire", password="mot-de-passe-solide", is_staff=True)
    client.force_login(user)
    for params in ({}, {"status": "tous"}, {"q": "Diallo", "status": "tous"}, {"notice": guide.pk}):
        response = client.get(URL, params)
        assert response.status_code == 403
        content = response.content.decode()
        for name in ("Awa Diallo", "Élodie Lefèvre", "Bruno Petit", "awa@ville.example"):
            assert name not in content


def test_reading_staff_see_the_history_but_cannot_return(staff_client, loans):
    html = page(staff_client.get(URL, {"status": "tous"}))  # chargé·e de mission: catalogue read-only
    assert len(borrowers(html)) == 3
    assert not html.xpath('//tbody//form[@method="post"]')
    assert "Prêter un exemplaire" not in text(html)
