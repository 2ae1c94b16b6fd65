"""Security properties that hold for every page (research/reliability_security.md)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db

# Namespaces whose views may be public (each public view says so with
# @login_not_required); every other view must send an anonymous visitor to the
# login page. A public view in a staff namespace is a mistake.
PUBLIC_NAMESPACES = {"www", "territories", "events", "catalogue", "contacts_public", "oai"}
PUBLIC_NAMES = {"login", "admin_login_redirect"}


def concrete_patterns(resolver=None, prefix="", namespace=None):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner_ns = pattern.namespace or namespace
            if pattern.namespace and namespace:
                inner_ns = f"{namespace}:{pattern.namespace}"
            yield from concrete_patterns(pattern, prefix + str(pattern.pattern), inner_ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, prefix + str(pattern.pattern), pattern


def sample_path(route):
    """A concrete path for a route, with placeholder values for converters."""
    import re

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: "1" if m.group(1) == "int" else "x", route)


def is_public(pattern):
    return getattr(pattern.callback, "login_required", True) is False


def test_public_views_live_only_in_public_namespaces():
    misplaced = [
        name
        for name, _route, pattern in concrete_patterns()
        if is_public(pattern)
        and name not in PUBLIC_NAMES
        and name.split(":")[0] not in PUBLIC_NAMESPACES
        and not name.startswith("admin:")
    ]
    assert misplaced == []


def test_every_other_view_requires_login(client):
    checked = 0
    for name, route, pattern in concrete_patterns():
        if name.startswith("admin:") or is_public(pattern):
            continue
        response = client.get(sample_path(route))
        checked += 1
        assert response.status_code in (302, 405), (name, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith((reverse("login"), "/admin/login/")), name
    assert checked >= 5


def test_post_without_csrf_token_is_refused(staff_user):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "camille", "password": "mot-de-passe-solide"})
    assert response.status_code == 403


def test_logged_in_pages_are_not_cached(staff_client):
    response = staff_client.get(reverse("staff:home"))
    assert response["Cache-Control"] == "private, no-store"


def test_public_pages_may_be_cached_by_nobody_but_carry_no_session(client):
    response = client.get(reverse("www:home"))
    assert "no-store" not in response.get("Cache-Control", "")


def test_unknown_page_gives_a_french_404(client):
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_server_error_page_shows_no_traceback(client, settings):
    from django.urls import path

    def boom(request):
        raise RuntimeError("secret detail")

    settings.ROOT_URLCONF = type("Urls", (), {"urlpatterns": [path("boom/", boom)]})
    client.raise_request_exception = False
    response = client.get("/boom/")
    content = response.content.decode()
    assert response.status_code == 500
    assert "Erreur du serveur" in content
    assert "Traceback" not in content and "secret detail" not in content and "SECRET_KEY" not in content


def test_production_settings_pass_django_deployment_checks():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "SECRET_KEY": "k" * 20 + "-production-like-secret-" + "z" * 30,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "crpv.example.org",
        "SECURE_COOKIES": "true",
        "SECURE_SSL_REDIRECT": "true",
        "SECURE_HSTS_SECONDS": "31536000",
        "DATABASE_URL": "sqlite:////tmp/crpv-deploy-check.sqlite3",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
