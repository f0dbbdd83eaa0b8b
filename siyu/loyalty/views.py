"""The member-centre H5 page: one phone-width page that reads and writes through the
member API (``/api/member/``) with the member reference the mini-program passes in the
URL fragment (``#ref=…``; a fragment never reaches a server log)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def member_centre(request: HttpRequest) -> HttpResponse:
    return render(request, "loyalty/member.html")
