"""Signed links sent by e-mail: no row id, a random key signed per purpose.

Each link carries a registration's (or invitation's, team's) random key,
signed with `django.core.signing` under a salt proper to its purpose, so a
cancellation link cannot be used to confirm an offer, and with a maximum age.
A tampered, foreign or expired token raises `BadToken` with a French message.
"""

import datetime

from django.core import signing

PURPOSES = {
    "status": datetime.timedelta(days=30),
    "cancel": datetime.timedelta(days=400),
    "offer": datetime.timedelta(days=30),
    "invitation": datetime.timedelta(days=365),
    "team": datetime.timedelta(days=400),
    "attestation": datetime.timedelta(days=1100),
    "survey": datetime.timedelta(days=120),
}


class BadToken(Exception):
    def __init__(self, message, *, expired=False):
        super().__init__(message)
        self.message = message
        self.expired = expired


def make_token(purpose, key):
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    return signing.dumps(key, salt=f"crpv.events.{purpose}")


def read_token(purpose, token):
    """The key a token carries, or `BadToken`."""
    try:
        key = signing.loads(token, salt=f"crpv.events.{purpose}", max_age=PURPOSES[purpose])
    except signing.SignatureExpired as exc:
        raise BadToken("Ce lien a expiré.", expired=True) from exc
    except signing.BadSignature as exc:
        raise BadToken("Ce lien n'est pas valide : il a peut-être été mal copié.") from exc
    if not isinstance(key, str) or not key:
        raise BadToken("Ce lien n'est pas valide : il a peut-être été mal copié.")
    return key
