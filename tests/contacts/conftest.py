import csv
import io

import pytest
from stdnum import luhn

from crpv.territories.models import Commune, Departement, Epci, Region


def valid_siren(prefix8):
    return prefix8 + luhn.calc_check_digit(prefix8)


def valid_siret(siren, establishment4):
    body = siren + establishment4
    return body + luhn.calc_check_digit(body)


@pytest.fixture
def geography(db):
    region = Region.objects.create(code="32", name="Hauts-de-France", cog_year=2026)
    aisne = Departement.objects.create(code="02", name="Aisne", region=region, cog_year=2026)
    somme = Departement.objects.create(code="80", name="Somme", region=region, cog_year=2026)
    epci = Epci.objects.create(code=valid_siren("20004349"), name="CA du Pays de Laon", cog_year=2026)
    laon = Commune.objects.create(
        code="02408", name="Laon", departement=aisne, epci=epci, postal_codes=["02000"], cog_year=2026
    )
    saint_quentin = Commune.objects.create(
        code="02691", name="Saint-Quentin", departement=aisne, postal_codes=["02100"], cog_year=2026
    )
    amiens = Commune.objects.create(
        code="80021", name="Amiens", departement=somme, postal_codes=["80000", "80080", "80090"], cog_year=2026
    )
    return {"epci": epci, "laon": laon, "saint_quentin": saint_quentin, "amiens": amiens, "aisne": aisne}


def make_csv(rows, *, encoding="cp1252", delimiter=";"):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def mail_text(message):
    return message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture(autouse=True)
def _site_url(settings):
    """Links in the messages start with the site's public address."""
    settings.CRPV_SITE_URL = "https://crpv.example"
