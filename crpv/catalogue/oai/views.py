"""The OAI-PMH endpoint (GET and POST)."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import provider


# OAI-PMH 2.0 (section 3.1.1.2) lets harvesters send requests as POST with
# form encoding. This endpoint only reads public data and changes nothing, so
# there is no state to protect from cross-site requests: CSRF checks would only
# refuse legitimate harvesters, which send no token.
@csrf_exempt
@login_not_required
@require_http_methods(["GET", "HEAD", "POST"])
def endpoint(request):
    query = request.POST if request.method == "POST" else request.GET
    pairs = [(name, value) for name in query for value in query.getlist(name)]
    base_url = request.build_absolute_uri(request.path)
    root = provider.respond(pairs, base_url)
    return HttpResponse(provider.serialise(root), content_type="text/xml; charset=utf-8")
