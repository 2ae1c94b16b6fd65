"""Shared kernel: base model, audit log, local outbox."""

from django.conf import settings
from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """Append-only trace of who did what to which object.

    Written by `operations.py` functions inside the same transaction as the
    change they describe.
    """

    at = models.DateTimeField("date", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="auteur",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField("action", max_length=80, db_index=True)
    object_type = models.CharField("type d'objet", max_length=80, blank=True)
    object_id = models.CharField("identifiant de l'objet", max_length=64, blank=True)
    object_repr = models.CharField("objet", max_length=255, blank=True)
    details = models.JSONField("détails", default=dict, blank=True)

    class Meta:
        verbose_name = "entrée du journal"
        verbose_name_plural = "journal des actions"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%d/%m/%Y %H:%M} {self.action} {self.object_repr}"

    @classmethod
    def record(cls, actor, action, obj=None, **details):
        """Write one entry. `actor` may be None (command line, system)."""
        from .fastinsert import insert

        if actor is not None and not getattr(actor, "is_authenticated", False):
            actor = None
        # Written by nearly every operation, often on a hot path: the INSERT's text is built once.
        return insert(
            cls(
                actor=actor,
                action=action,
                object_type=obj._meta.label_lower if obj is not None else "",
                object_id=str(obj.pk) if obj is not None else "",
                object_repr=str(obj)[:255] if obj is not None else "",
                details=details,
            )
        )


class OutboxMessage(models.Model):
    """A message kept on the machine instead of being sent (local use)."""

    created_at = models.DateTimeField("date", auto_now_add=True)
    subject = models.CharField("objet", max_length=998)
    from_email = models.CharField("expéditeur", max_length=254)
    to = models.TextField("destinataires")
    body = models.TextField("texte")
    html = models.TextField("html", blank=True)
    raw = models.TextField("message brut")

    class Meta:
        verbose_name = "message de la boîte d'envoi locale"
        verbose_name_plural = "boîte d'envoi locale"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.subject
