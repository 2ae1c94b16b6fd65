import os

import pytest

# --- Every URL of ours is reached by at least one test ----------------------
# (as Zulip does). Checked when the whole suite runs (`make test` sets
# CRPV_URL_COVERAGE=1); a partial run does not check.
OUR_NAMESPACES = {"www", "staff", "territories", "programme", "contacts", "users", "catalogue"}
OUR_NAMESPACES |= {"events", "events_staff"}
OUR_NAMESPACES |= {"oai", "weeding"}
OUR_NAMESPACES |= {"contacts_public", "panorama"}
OUR_NAMESPACES |= {"desk"}
_reached = set()


@pytest.fixture(autouse=True, scope="session")
def _record_reached_urls():
    from django.core.handlers.base import BaseHandler

    original = BaseHandler.get_response

    def get_response(self, request):
        response = original(self, request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.view_name:
            _reached.add(match.view_name)
        return response

    BaseHandler.get_response = get_response
    yield
    BaseHandler.get_response = original


def all_url_names():
    from django.urls import get_resolver

    names = set()

    def walk(resolver, namespace):
        for pattern in resolver.url_patterns:
            if hasattr(pattern, "url_patterns"):
                inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace
                walk(pattern, inner or namespace)
            elif pattern.name and namespace in OUR_NAMESPACES:
                names.add(f"{namespace}:{pattern.name}")

    walk(get_resolver(), None)
    return names


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("CRPV_URL_COVERAGE") != "1" or exitstatus != 0:
        return
    missing = sorted(all_url_names() - _reached)
    if missing:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        reporter.write_line(f"URL jamais atteintes par un test : {', '.join(missing)}", red=True)
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _empty_cache():
    """Public pages are cached: each test starts from an empty cache."""
    from django.core.cache import caches

    for alias in ("default", "shared"):
        caches[alias].clear()
    yield
    for alias in ("default", "shared"):
        caches[alias].clear()


@pytest.fixture
def staff_user(django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        username="camille", password="mot-de-passe-solide", is_staff=True, first_name="Camille", last_name="Martin"
    )
    user.groups.add(Group.objects.get(name="chargé·e de mission"))
    return user


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


# --- A real SMTP server on loopback (aiosmtpd), for every app's e-mail tests ----


class _SmtpCollector:
    def __init__(self):
        self.messages = []
        self.refused = set()  # addresses the server refuses (550), as a relay does for an unknown mailbox

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refused:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import email
        import email.policy

        self.messages.append(
            (envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=email.policy.default))
        )
        return "250 Message accepted for delivery"


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback collecting what it receives: `.messages` = [(recipients, message)].

    Addresses added to `.refused` are answered 550 at RCPT TO.
    """
    from aiosmtpd.controller import Controller

    handler = _SmtpCollector()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield handler
    finally:
        controller.stop()
