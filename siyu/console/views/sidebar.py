"""The chat sidebar (聊天工具栏): the page WeCom opens beside a chat, at phone width.

The page signs itself for the JS-SDK (``config/``), learns the chat's customer or group from
the WeCom client (``getCurExternalContact`` / ``getCurExternalChat``) and loads the panel:
profile, tags (editable, the 360's own fragment), orders from every platform, WeCom budget
left, recommended scripts and materials. One tap renders a material for this customer
(``send/``: a tracked link per send and recipient) and hands it to ``sendChatMessage``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from siyu.console.csp import POLICY
from siyu.console.sidebar_panel import customer_panel, group_panel, message_for_chat
from siyu.content.render import render_material
from siyu.content.scope import usable_materials
from siyu.core.params import BadParameter, bad_parameter_response, parse_id, parse_text
from siyu.core.roles import current_staff
from siyu.customers.scope import visible_customers
from siyu.integrations.wecom.client.errors import WeComError
from siyu.integrations.wecom.jssdk import sign_page
from siyu.integrations.wecom.transport import wecom_client


def _origins(urls: list[str]) -> str:
    return " ".join(sorted({f"{p.scheme}://{p.netloc}" for p in map(urlsplit, urls)}))


def _policy() -> str:
    """The console's policy, plus WeCom's JS-SDK (or the simulator serving its stand-in)."""
    extra = _origins(list(settings.SIYU_WECOM_JSSDK_URLS))
    return POLICY.replace("script-src 'self'", f"script-src 'self' {extra}").replace(
        "connect-src 'self'", f"connect-src 'self' {extra}"
    )


@login_required
@require_GET
def sidebar_page(request: HttpRequest) -> HttpResponse:
    context = {"sdk_urls": settings.SIYU_WECOM_JSSDK_URLS}
    response = render(request, "console/sidebar/page.html", context)
    response["Content-Security-Policy"] = _policy()
    return response


@login_required
@require_GET
def sidebar_config(request: HttpRequest) -> HttpResponse:
    """The JS-SDK signatures for this page URL (only a sidebar URL of ours is signed)."""
    try:
        url = parse_text(request.GET, "url", max_length=1000)
    except BadParameter as exc:
        return bad_parameter_response(exc)
    own = request.build_absolute_uri(reverse("console:sidebar"))
    public = settings.SIYU_PUBLIC_URL + reverse("console:sidebar")
    if url.split("?", 1)[0].split("#", 1)[0] not in (own, public):
        return bad_parameter_response(BadParameter("url", _("url must be this sidebar page")))
    try:
        client = wecom_client()
    except ImproperlyConfigured:
        return JsonResponse({"error": _("WeCom is not configured yet.")}, status=503)
    try:
        signed = sign_page(client, url)
    except (WeComError, OSError):
        return JsonResponse({"error": _("WeCom did not answer; try again.")}, status=502)
    finally:
        client.close()
    return JsonResponse(signed.as_json())


@login_required
@require_GET
def sidebar_customer(request: HttpRequest) -> HttpResponse:
    try:
        external = parse_text(request.GET, "external_userid", max_length=64)
    except BadParameter as exc:
        return bad_parameter_response(exc)
    staff = current_staff(request.user)
    if staff is None:
        raise PermissionDenied
    context = customer_panel(request.user, staff, external)
    if context is None:
        return render(request, "console/sidebar/_unknown.html", {"external_userid": external})
    return render(request, "console/sidebar/_customer.html", context)


@login_required
@require_GET
def sidebar_group(request: HttpRequest) -> HttpResponse:
    try:
        chat_id = parse_text(request.GET, "chat_id", max_length=64)
    except BadParameter as exc:
        return bad_parameter_response(exc)
    staff = current_staff(request.user)
    if staff is None:
        raise PermissionDenied
    return render(request, "console/sidebar/_group.html", group_panel(staff, chat_id))


@login_required
@require_POST
def sidebar_send(request: HttpRequest) -> HttpResponse:
    """The ``sendChatMessage`` arguments for one material, rendered for this customer."""
    staff = current_staff(request.user)
    if staff is None:
        raise PermissionDenied
    try:
        material_id = parse_id(request.POST, "material")
        customer_id = parse_id(request.POST, "customer")
        chat_id = parse_text(request.POST, "chat_id", max_length=64)
    except BadParameter as exc:
        return bad_parameter_response(exc)
    material = usable_materials(staff).filter(pk=material_id).first() if material_id else None
    if material is None:
        raise Http404
    if (
        customer_id is not None
        and not visible_customers(request.user).filter(pk=customer_id).exists()
    ):
        raise Http404
    day = timezone.localdate().isoformat()
    target = f"c{customer_id}" if customer_id else f"g{chat_id}"
    message = render_material(
        material.pk, customer_id, send_ref=f"sidebar:{staff.pk}:{target}:{day}", sender_id=staff.pk
    )
    return JsonResponse(message_for_chat(material, message))
