"""Page objects: what a test does on a page, named as a person would say it."""


class BasePage:
    path = "/"

    def __init__(self, page, base_url):
        self.page = page
        self.base_url = base_url

    def open(self, path=None):
        self.page.goto(self.base_url + (path or self.path))
        return self

    def tab_to_skip_link(self):
        self.page.keyboard.press("Tab")
        return self.page.evaluate("document.activeElement.textContent.trim()")

    def focus_outline_width(self):
        return self.page.evaluate("getComputedStyle(document.activeElement).outlineWidth")

    def has_horizontal_scroll(self):
        return self.page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


class HomePage(BasePage):
    path = "/"

    def search(self, text):
        self.page.get_by_label("Commune, EPCI, quartier prioritaire ou contrat de ville").fill(text)
        self.page.get_by_role("button", name="Rechercher").click()
        return SearchPage(self.page, self.base_url)


class SearchPage(BasePage):
    path = "/rechercher/"

    def type_query(self, text):
        self.page.get_by_label("Nom ou code").fill(text)
        return self

    def results_text(self):
        return self.page.locator("#resultats").inner_text()


class LoginPage(BasePage):
    path = "/connexion/"

    def log_in(self, username, password):
        self.page.get_by_label("Identifiant").fill(username)
        self.page.get_by_label("Mot de passe").fill(password)
        self.page.get_by_role("button", name="Se connecter").click()
        return self
