"""The public side of tracked links: the landing page, its reading-time beacon and the
click-through. Only ever redirects to the link's own material URL (or WeChat's OAuth page
the adapter names), never to an address taken from the request."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from siyu.content.models import MaterialKind
from siyu.content.radar import record_beacon, record_click, record_open
from siyu.content.readers import (
    BROWSER_COOKIE,
    authorize_url,
    in_wechat,
    reader_of,
    remember,
)
from siyu.content.render import fill
from siyu.core.params import BadParameter, bad_parameter_response, parse_int

CODE_MAX = 16


def _code(code: str) -> str:
    if len(code) > CODE_MAX:
        raise Http404
    return code


@require_GET
def landing(request: HttpRequest, code: str) -> HttpResponse:
    code = _code(code)
    reader, fresh = reader_of(request)
    if not reader.openid and in_wechat(request) and request.GET.get("oauth") != "0":
        target = authorize_url(request, code)
        if target:
            return HttpResponseRedirect(target)
    opened = record_open(code, reader)
    if opened is None:
        raise Http404
    material = opened.link.material
    variant = opened.link.variant
    text = fill(variant.text if variant and variant.text else material.text, {})
    context = {
        "material": material,
        "title": variant.title if variant and variant.title else material.title,
        "text": text,
        "code": code,
        "open_id": opened.open_id,
        "show_text": material.kind in (MaterialKind.ARTICLE, MaterialKind.SCRIPT),
    }
    response = render(request, "content/landing.html", context)
    response["Referrer-Policy"] = "no-referrer"
    if fresh:
        remember(response, BROWSER_COOKIE, fresh, secure=settings.SIYU_HTTPS)
    return response


@csrf_exempt  # a read receipt from a public page: no session, nothing to forge
@require_POST
def beacon(request: HttpRequest, code: str) -> HttpResponse:
    code = _code(code)
    try:
        open_id = parse_int(request.POST, "open", minimum=1)
        seconds = parse_int(request.POST, "seconds", minimum=0, maximum=86_400, default=0)
    except BadParameter as exc:
        return bad_parameter_response(exc)
    if open_id is None:
        return bad_parameter_response(BadParameter("open", "open"))
    reader, _fresh = reader_of(request)
    if not record_beacon(code, reader, open_id, seconds or 0):
        raise Http404
    return HttpResponse(status=204)


@require_GET
def click(request: HttpRequest, code: str) -> HttpResponse:
    reader, _fresh = reader_of(request)
    target = record_click(_code(code), reader)
    if target is None or not target.startswith(("https://", "http://")):
        raise Http404
    return HttpResponseRedirect(target)
