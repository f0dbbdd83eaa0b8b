"""Personas (人设): the face customers meet whoever operates it, and its moments."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.core.models import Staff


class Persona(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)
    avatar = models.URLField(_("avatar"), max_length=500, blank=True, default="")
    bio = models.TextField(_("bio"), blank=True, default="")
    voice = models.TextField(_("voice guidelines"), blank=True, default="")
    # e.g. ["SCA certified coffee adviser"]
    certifications = models.JSONField(default=list, blank=True)
    staff = models.ManyToManyField(Staff, related_name="personas", blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class PersonaMoment(models.Model):
    """A moments post planned for every staff account operating the persona."""

    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="moments")
    text = models.TextField(_("text"))
    scheduled_at = models.DateTimeField()
    created_at = models.DateTimeField()

    @property
    def source_id(self) -> str:
        return f"persona-moment:{self.pk}"
