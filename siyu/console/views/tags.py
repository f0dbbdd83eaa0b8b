"""Tag management: groups, manual tags, automatic tags with their rules, counts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from siyu.console.forms import CreateTagForm
from siyu.core.roles import is_hq
from siyu.customers.models import CustomerTag, TagGroup, TagKind
from siyu.customers.scope import visible_customers
from siyu.customers.tagging import ensure_tag


@login_required
def tag_list(request: HttpRequest) -> HttpResponse:
    form = CreateTagForm(request.POST or None)
    if request.method == "POST":
        if not is_hq(request.user):
            raise PermissionDenied
        if form.is_valid():
            tag = ensure_tag(form.cleaned_data["group"], form.cleaned_data["name"], TagKind.MANUAL)
            messages.success(request, _("Tag “%(name)s” is ready.") % {"name": tag.name})
            return redirect("console:tag_list")
    # Counts cover only the customers this user may see, like every other page.
    counts = dict(
        CustomerTag.objects.filter(customer__in=visible_customers(request.user))
        .values_list("tag_id")
        .annotate(n=Count("id"))
        .values_list("tag_id", "n")
    )
    groups = list(TagGroup.objects.prefetch_related("tags"))
    for group in groups:
        for tag in group.tags.all():
            tag.customer_count = counts.get(tag.pk, 0)  # type: ignore[attr-defined]
    context = {"groups": groups, "form": form, "can_edit": is_hq(request.user)}
    return render(request, "console/tags/list.html", context)
