"""Logging in (throttled) and changing one's own password."""

from __future__ import annotations

import math

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from siyu.access import throttle
from siyu.access.passwords import change_own_password
from siyu.console.auth_forms import ThrottledAuthenticationForm, ThrottledPasswordChangeForm


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    template_name = "console/registration/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form: ThrottledAuthenticationForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_invalid(form)
        if form.locked_until is not None:
            # A locked login is "too many requests": scripts see it without parsing the page.
            response.status_code = 429
            seconds = (form.locked_until - throttle.clock()).total_seconds()
            response["Retry-After"] = str(max(1, math.ceil(seconds)))
        return response


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """Current password once, the new one twice, checked by AUTH_PASSWORD_VALIDATORS."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - login_required
    form = ThrottledPasswordChangeForm(user, throttle.client_address(request), request.POST or None)
    if request.method == "POST" and form.is_valid():
        change_own_password(user, form.cleaned_data["new_password1"])
        update_session_auth_hash(request, user)  # stay logged in here, only here
        messages.success(request, _("Your password has been changed."))
        return redirect("console:password_change")
    return render(request, "console/account/password_change.html", {"form": form})
