"""Loans follow the person: merged with them, exported with their data."""

import datetime

import pytest

from crpv.catalogue.models import Copy, Record
from crpv.catalogue.models.desk import Loan
from crpv.contacts.merging import merge_people
from crpv.contacts.models import Person
from crpv.contacts.privacy import export_person_data

pytestmark = pytest.mark.django_db


def lend_to(person):
    record = Record.objects.create(record_type="ouvrage", title="La politique de la ville", publication_year=2022)
    copy = Copy.objects.create(record=record, call_number="PV 1")
    return Loan.objects.create(
        copy=copy, person=person, borrower_name=person.full_name, due_on=datetime.date(2026, 12, 31)
    )


def test_merging_people_moves_their_loans(staff_user):
    kept = Person.objects.create(first_name="Léa", last_name="Durand", email="lea@ville.example")
    merged = Person.objects.create(first_name="Lea", last_name="Durand")
    loan = lend_to(merged)
    merge_people(kept=kept, merged=merged, acting_user=staff_user)
    loan.refresh_from_db()
    assert loan.person == kept


def test_a_person_s_data_export_includes_their_loans():
    person = Person.objects.create(first_name="Léa", last_name="Durand", email="lea@ville.example")
    lend_to(person)
    loans = export_person_data(person=person)["prêts"]
    assert [loan["exemplaire"] for loan in loans] == ["PV 1"]
