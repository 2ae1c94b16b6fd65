"""Fixtures: the full referentiel loaded once for this package, small official-format files."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from lxml import html

from crpv.core.models import AuditEntry
from crpv.territories.models import (
    CiteEducative,
    Commune,
    ContratDeVille,
    DataSource,
    Departement,
    Epci,
    ProjetRenouvellement,
    Qpv,
    Region,
)
from crpv.territories.operations import load_referentiel
from crpv.territories.referentiel import CITES_FILE, CONTRATS_FILE, NPNRU_FILE, read_referentiel

# Deletion order respects the PROTECT foreign keys.
TERRITORY_MODELS = [ProjetRenouvellement, CiteEducative, Qpv, ContratDeVille, Commune, Epci, Departement, Region]


def clear_territories():
    for model in TERRITORY_MODELS:
        model.objects.all().delete()
    DataSource.objects.all().delete()


@pytest.fixture(scope="package")
def referentiel(django_db_setup, django_db_blocker):
    """The whole region, loaded (committed) once for the tests of this package, removed after."""
    with django_db_blocker.unblock():
        clear_territories()
        load_referentiel(data=read_referentiel(settings.REFERENTIEL_DIR))
        yield
        clear_territories()
        AuditEntry.objects.filter(action="territories.referentiel_loaded").delete()


@pytest.fixture
def loaded(referentiel, db):
    """A test that reads the full referentiel (its own changes are rolled back)."""


@pytest.fixture
def empty_territories(db):
    """No territory rows, whatever the package fixture loaded (rolled back after the test)."""
    clear_territories()


OFFICIAL_HEADER = "code_qp;lib_qp;insee_reg;lib_reg;insee_dep;lib_dep;insee_com;lib_com;siren_epci;lib_epci"
OFFICIAL_ROWS = [
    # A single-commune QPV.
    "QN05901M;Auby Centre;32;Hauts-de-France;59;Nord;59028;Auby;200044618;CA Douaisis Agglo",
    # A multi-commune QPV, the list in quotes with commas.
    'QN05905M;Frais Marais;32;Hauts-de-France;59;Nord;"59178, 59569, 59654";"Douai, Sin-le-Noble, Waziers";'
    "200044618;CA Douaisis Agglo",
    # Spanning two EPCI: the official SIREN settles the contract (Valenciennes Métropole).
    'QN05920M;Verrerie - Square République;32;Hauts-de-France;59;Nord;"59014;59491";"Anzin;Raismes";'
    "245901160;CA Valenciennes Métropole",
    # Another region: ignored.
    "QN07501M;Quartier parisien;11;Île-de-France;75;Paris;75056;Paris;200054781;Métropole du Grand Paris",
    # A communal contract (Caudry), and a COG 2024 code merged since (02394 is now 02008 Aizy-Jouy).
    "QN05970M;Quartier De Caudry;32;Hauts-de-France;59;Nord;59139;Caudry;200030575;CA du Caudrésis-Catésis",
    "QN00299Z;Quartier fusionné;32;Hauts-de-France;02;Aisne;02394;Jouy;200071892;CA du Saint-Quentinois",
]


def write_official(path, rows=None, header=OFFICIAL_HEADER):
    path.write_text("\n".join([header, *(OFFICIAL_ROWS if rows is None else rows)]) + "\n", encoding="utf-8-sig")
    return path


@pytest.fixture
def official_dir(tmp_path):
    """A referentiel directory with the shared contracts and partial lists, and an official QPV file."""
    source = Path(settings.REFERENTIEL_DIR)
    for name in (CONTRATS_FILE, NPNRU_FILE, CITES_FILE):
        shutil.copy(source / name, tmp_path / name)
    write_official(tmp_path / "listeqp2024-cog2024.csv")
    return tmp_path


def parse(response):
    assert response.status_code == 200, response.status_code
    return html.fromstring(response.content.decode())


def text(node):
    return " ".join(node.text_content().split())
