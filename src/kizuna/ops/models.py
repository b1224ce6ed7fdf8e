from django.db import models
from django.utils import timezone


class Heartbeat(models.Model):
    """The last sign of life of a background process ("clock", "worker"), read by /readyz and `check --deploy`."""

    name = models.CharField(max_length=40, unique=True)
    at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.name} {self.at:%Y-%m-%d %H:%M:%S}"
