"""Saved searches: a query kept with an e-mail address, followed through a signed RSS feed."""

import secrets

from django.core import signing
from django.db import models
from django.urls import reverse

from crpv.core.models import TimeStampedModel

_SALT = "catalogue.saved-search"


def _nonce():
    return secrets.token_urlsafe(12)


class SavedSearchQuerySet(models.QuerySet):
    def from_token(self, token):
        """The saved search a feed token designates, or None (bad signature, unknown, revoked)."""
        try:
            data = signing.loads(token, salt=_SALT)
            return self.get(pk=int(data["i"]), nonce=str(data["n"]))
        except (signing.BadSignature, KeyError, TypeError, ValueError, self.model.DoesNotExist):
            return None


class SavedSearch(TimeStampedModel):
    email = models.EmailField("adresse électronique")
    label = models.CharField("intitulé", max_length=200)
    query_string = models.CharField(
        "paramètres de recherche", max_length=2000, help_text="La recherche telle qu'écrite dans l'adresse."
    )
    nonce = models.CharField("jeton", max_length=32, default=_nonce, editable=False)

    objects = SavedSearchQuerySet.as_manager()

    class Meta:
        verbose_name = "recherche enregistrée"
        verbose_name_plural = "recherches enregistrées"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.label

    @property
    def token(self):
        """Signed and unguessable: it carries a random nonce, and changing the nonce revokes it."""
        return signing.dumps({"i": self.pk, "n": self.nonce}, salt=_SALT, compress=True)

    def get_feed_url(self):
        return reverse("catalogue:saved_search_feed", args=[self.token])

    def get_manage_url(self):
        return reverse("catalogue:saved_search", args=[self.token])
