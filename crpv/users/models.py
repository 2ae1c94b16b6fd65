from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


class User(AbstractUser):
    """A staff member or, later, a participant with an account.

    Custom from the first migration so that the model can grow without a
    painful swap. Roles are Django groups (see `roles.py`).
    """

    email = models.EmailField("adresse électronique", blank=True)
    job_title = models.CharField("fonction", max_length=150, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = "compte"
        verbose_name_plural = "comptes"

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def role_names(self):
        return [g.name for g in self.groups.all()]
