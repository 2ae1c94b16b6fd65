"""Resumption tokens: the query and its cursor, signed, with an expiry.

Stateless, so that any web process can serve the next page: the token carries
the verb, the metadata prefix, the set, the from/until bounds, the position
reached (`updated_at`, `pk` of the last record sent), how many records were
sent and the complete list size. Signed with the project's secret key
(`django.core.signing`), so a harvester cannot forge or alter one.
"""

import datetime

from django.conf import settings
from django.core import signing
from django.utils import timezone

SALT = "crpv.catalogue.oai.resumption-token"


def lifetime():
    """Generous by default (a harvest interrupted overnight can resume): 24 hours."""
    return datetime.timedelta(seconds=getattr(settings, "CRPV_OAI_TOKEN_SECONDS", 24 * 3600))


def make(state):
    """(token, expiry) for a state dict."""
    return signing.dumps(state, salt=SALT, compress=True), timezone.now() + lifetime()


def read(token, verb):
    """The state of a token, or OaiError(badResumptionToken) if forged, altered, expired or for another verb."""
    from .provider import OaiError

    try:
        state = signing.loads(token, salt=SALT, max_age=lifetime())
    except signing.SignatureExpired:
        raise OaiError("badResumptionToken", "jeton de reprise expiré : recommencez la liste") from None
    except signing.BadSignature:
        raise OaiError("badResumptionToken", "jeton de reprise invalide") from None
    if not isinstance(state, dict) or state.get("verb") != verb:
        raise OaiError("badResumptionToken", f"jeton de reprise émis pour un autre verbe que {verb}")
    return state
