"""Welcome variants: the editor (text and mini-program card, with a preview as the customer
sees it), cover upload into the directory the media job uploads from, and conversion per
variant with its 95 % interval. HQ only."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from siyu.analytics.tables import pct
from siyu.channels.models import Channel, WelcomeVariant
from siyu.channels.queries import variant_report
from siyu.channels.variants import VariantError, VariantInput, save_variant
from siyu.console.channel_forms import VariantForm
from siyu.console.views.channels import require_hq
from siyu.content.cards import ensure_card
from siyu.core.audit import record_audit
from siyu.core.params import BadParameter, bad_parameter_response, parse_id
from siyu.integrations.wecom.media import available_covers, load_cover, store_cover


@login_required
def variant_list(request: HttpRequest) -> HttpResponse:
    require_hq(request)
    channels = []
    for channel in Channel.objects.order_by("name"):
        stats = []
        for row in variant_report(channel):
            low_high = row.interval
            interval = f"{pct(low_high[0])} – {pct(low_high[1])}" if low_high else ""
            stats.append({"row": row, "rate": pct(row.conversion_rate), "interval": interval})
        channels.append({"channel": channel, "stats": stats})
    return render(request, "console/channels/variants.html", {"channels": channels})


def _input(data: dict[str, Any], cover: str) -> VariantInput:
    card = ensure_card(
        data.get("miniprogram_title") or "",
        data.get("miniprogram_appid") or "",
        data.get("miniprogram_page") or "",
        cover,
    )
    return VariantInput(
        card_id=card.pk if card else None,
        name=data["name"],
        text=data["text"],
        miniprogram_title=data.get("miniprogram_title") or "",
        miniprogram_appid=data.get("miniprogram_appid") or "",
        miniprogram_page=data.get("miniprogram_page") or "",
        miniprogram_cover=cover,
        weight=int(data["weight"]),
        is_active=bool(data.get("is_active")),
    )


def _save(
    request: HttpRequest, form: VariantForm, channel: Channel, variant: WelcomeVariant | None
) -> WelcomeVariant | None:
    data = form.cleaned_data
    cover = data.get("miniprogram_cover") or ""
    upload = data.get("cover_upload")
    if upload is not None:
        cover = store_cover(str(upload.name), upload.read())
    try:
        saved = save_variant(channel, _input(data, cover), variant=variant)
    except VariantError:
        form.add_error("name", _("This channel already has a variant with that name."))
        return None
    record_audit(request.user, "welcome_variant.save", "welcome_variant", saved.pk)
    return saved


def _editor(request: HttpRequest, channel: Channel, variant: WelcomeVariant | None) -> HttpResponse:
    initial: dict[str, Any] = {"weight": 1, "is_active": True}
    if variant is not None:
        initial = {f: getattr(variant, f) for f in VariantForm.base_fields if f != "cover_upload"}
    form = VariantForm(
        request.POST or None, request.FILES or None, initial=initial, covers=available_covers()
    )
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, channel, variant)
        if saved is not None:
            messages.success(request, _("Welcome message “%(name)s” saved.") % {"name": saved.name})
            return redirect("console:welcome_variant_edit", pk=saved.pk)
    preview = form.data if form.is_bound else initial
    context = {"form": form, "channel": channel, "variant": variant, "preview": preview}
    return render(request, "console/channels/variant_form.html", context)


@login_required
def variant_new(request: HttpRequest) -> HttpResponse:
    require_hq(request)
    try:
        channel_id = parse_id(request.GET, "channel")
    except BadParameter as exc:
        return bad_parameter_response(exc)
    if channel_id is None:
        # "New" is chosen per channel on the list; without one, the list is where to pick it.
        return redirect("console:welcome_variants")
    channel = get_object_or_404(Channel, pk=channel_id)
    return _editor(request, channel, None)


@login_required
def variant_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_hq(request)
    variant = get_object_or_404(WelcomeVariant.objects.select_related("channel"), pk=pk)
    return _editor(request, variant.channel, variant)


@login_required
@require_POST
def variant_preview(request: HttpRequest) -> HttpResponse:
    """The preview alone, re-rendered by htmx as the operator types."""
    require_hq(request)
    return render(request, "console/channels/_preview.html", {"preview": request.POST})


@login_required
def cover_image(request: HttpRequest, key: str) -> HttpResponse:
    require_hq(request)
    try:
        name, content = load_cover(key)
    except (OSError, ValueError):
        raise Http404(_("No such cover image.")) from None
    kind = "image/png" if name.lower().endswith(".png") else "image/jpeg"
    return HttpResponse(content, content_type=kind)
