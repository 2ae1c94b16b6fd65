"""View decorators shared by every app."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.views.decorators.cache import cache_page
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_cookie


def public_page(view):
    """A page anyone may read, the same for every anonymous visitor.

    Login is not required, only GET/HEAD are allowed, and the rendered response
    is kept in the cache for `CRPV_PUBLIC_CACHE_SECONDS` (docs/adr/0003). The
    entry varies on the Cookie header (the page header shows who is logged in):
    staff never share an entry with visitors, and a response that sets a cookie
    is never stored. `vary_on_cookie` must sit inside `cache_page`: the session
    middleware adds its own Vary header only after the cache has keyed the page.
    """
    seconds = settings.CRPV_PUBLIC_CACHE_SECONDS
    cached = cache_page(seconds)(vary_on_cookie(view)) if seconds else view
    return login_not_required(require_GET(cached))
