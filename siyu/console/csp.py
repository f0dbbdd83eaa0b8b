"""Content-Security-Policy: the browser runs and styles only what Siyu serves itself.

No inline scripts, inline styles or event-handler attributes anywhere (htmx's own indicator
style and its eval features are switched off in ``console/base.html``), so the policy needs
neither nonces nor ``'unsafe-inline'``. Django 5.2 has no CSP support of its own (6.0 does):
this is the whole of it."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # data: for the icons Swagger UI's stylesheet (/api/docs) embeds; images cannot run code.
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", POLICY)
        return response
