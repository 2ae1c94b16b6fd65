from django.db import models

from crpv.core.models import TimeStampedModel

from .choices import NetworkKind
from .people import DatedQuerySet, Person, _dates_in_order


class Network(TimeStampedModel):
    """A professional network the centre runs (pilotes, CPO, GUSP/TFPB…)."""

    slug = models.SlugField("clé", max_length=60, unique=True)
    name = models.CharField("nom", max_length=200)
    kind = models.CharField("type de réseau", max_length=30, choices=NetworkKind, default=NetworkKind.OTHER)
    description = models.TextField("description", blank=True)
    members = models.ManyToManyField(
        Person, verbose_name="membres", through="Membership", related_name="networks", blank=True
    )

    class Meta:
        verbose_name = "réseau"
        verbose_name_plural = "réseaux"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(TimeStampedModel):
    person = models.ForeignKey(Person, verbose_name="personne", on_delete=models.CASCADE, related_name="memberships")
    network = models.ForeignKey(Network, verbose_name="réseau", on_delete=models.CASCADE, related_name="memberships")
    start_date = models.DateField("début", null=True, blank=True)
    end_date = models.DateField("fin", null=True, blank=True)
    note = models.CharField("remarque", max_length=250, blank=True)

    objects = DatedQuerySet.as_manager()

    class Meta:
        verbose_name = "appartenance à un réseau"
        verbose_name_plural = "appartenances aux réseaux"
        ordering = ["network", "person"]
        # Members of a network, for the segment criteria (crpv.contacts.segments).
        indexes = [models.Index(fields=["network", "person"], name="contacts_membership_net_person")]
        constraints = [
            _dates_in_order("contacts_membership"),
            models.UniqueConstraint(
                fields=["person", "network", "start_date"], name="contacts_membership_unique_start"
            ),
        ]

    def __str__(self):
        return f"{self.person} — {self.network}"
