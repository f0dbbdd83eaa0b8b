"""Reads for the member API and the console."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from siyu.customers.models import Customer
from siyu.referrals.models import Programme, Reward

NO_PROGRAMME = _("No such referral programme is running.")
NO_CODE = _("This invite code is not valid, or its programme has ended.")


def active_programmes() -> QuerySet[Programme]:
    return Programme.objects.filter(is_active=True).order_by("pk")


def active_programme(programme_id: int) -> Programme | None:
    return active_programmes().filter(pk=programme_id).first()


def display_name(customer_id: int) -> str:
    name = Customer.objects.filter(pk=customer_id).values_list("display_name", flat=True).first()
    return name or str(_("A friend"))


def rewards_of(customer_id: int) -> QuerySet[Reward]:
    return (
        Reward.objects.filter(customer_id=customer_id).select_related("programme").order_by("-pk")
    )
