import os

import pytest

from tests.browser.pages import HomePage, LoginPage, SearchPage

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_page_has_no_axe_violations(page, live_server, axe):
    HomePage(page, live_server.url).open()
    assert axe(page) == []


def test_login_page_has_no_axe_violations_even_with_errors(page, live_server, axe):
    login = LoginPage(page, live_server.url).open()
    assert axe(page) == []
    login.log_in("personne", "mauvais mot de passe")
    assert page.get_by_role("alert").is_visible()
    assert axe(page) == []


def test_skip_link_is_first_and_visible_on_focus(page, live_server):
    home = HomePage(page, live_server.url).open()
    assert home.tab_to_skip_link() == "Aller au contenu"
    assert page.get_by_role("link", name="Aller au contenu").is_visible()
    assert home.focus_outline_width() == "3px"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#contenu"


@pytest.mark.parametrize("path", ["/", "/connexion/", "/sources/", "/accessibilite/"])
def test_pages_reflow_at_320_px(page, live_server, path):
    page.set_viewport_size({"width": 320, "height": 640})
    home = HomePage(page, live_server.url).open(path)
    assert not home.has_horizontal_scroll()


def test_staff_member_logs_in_with_the_keyboard(page, live_server, django_user_model):
    django_user_model.objects.create_user(username="sacha", password="un-mot-de-passe-long", is_staff=True)
    LoginPage(page, live_server.url).open()
    page.get_by_label("Identifiant").focus()
    page.keyboard.type("sacha")
    page.keyboard.press("Tab")
    page.keyboard.type("un-mot-de-passe-long")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/gestion/")
    assert page.get_by_role("heading", level=1).inner_text() == "Bonjour sacha"


def test_axe_check_can_fail(page, axe):
    """A page with an unlabelled field and an image without text is reported."""
    page.set_content('<html><body><img src="x.png"><input type="text"></body></html>')
    found = {violation["id"] for violation in axe(page)}
    assert {"image-alt", "label", "html-has-lang"} <= found


@pytest.fixture
def region(transactional_db):
    from django.core.management import call_command

    call_command("load_referentiel", stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.mark.parametrize(
    "path",
    [
        "/territoires/",
        "/territoires/qpv/QN05920M/",
        "/territoires/contrats-de-ville/CN05902M/",
        "/territoires/epci/200093201/",
        "/territoires/communes/62119/",
        "/territoires/qpv/?departement=59",
        "/rechercher/?q=bethune",
    ],
)
def test_territory_pages_have_no_axe_violations(page, live_server, axe, region, path):
    page.goto(live_server.url + path)
    assert page.get_by_role("heading", level=1).count() == 1
    assert axe(page) == []


def test_search_as_you_type_updates_results_without_reload(page, live_server, region):
    search = SearchPage(page, live_server.url).open()
    search.type_query("saint quentin")
    page.wait_for_selector("#resultats li")
    assert "Saint-Quentin" in search.results_text()
    assert page.url.endswith("q=saint%20quentin")  # htmx pushed the URL: the result can be shared
