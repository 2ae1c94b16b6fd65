# Placeholder: the programme models are being written (issue 2).
from django.db import models


class Programme(models.Model):
    year = models.PositiveSmallIntegerField("année", unique=True)

    class Meta:
        verbose_name = "programme"

    def __str__(self):
        return f"Programme {self.year}"
