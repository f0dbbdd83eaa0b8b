"""The console's login and password change forms, throttled (siyu/access/throttle.py)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.models import User
from django.utils import formats, timezone
from django.utils.translation import ngettext

from siyu.access import throttle


def retry_message(until: datetime) -> str:
    minutes = max(1, math.ceil((until - throttle.clock()).total_seconds() / 60))
    at = formats.time_format(timezone.localtime(until), "H:i")
    return ngettext(
        "Too many failed log-ins. Try again in %(count)d minute, at %(time)s.",
        "Too many failed log-ins. Try again in %(count)d minutes, at %(time)s.",
        minutes,
    ) % {"count": minutes, "time": at}


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's login form, with the throttle checked before the password and a wrong
    password counted. ``locked_until`` tells the view to answer 429 with Retry-After."""

    locked_until: datetime | None = None

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or not password:
            return self.cleaned_data
        address = throttle.client_address(self.request) if self.request else "unknown"
        self.locked_until = throttle.locked_until(username, address)
        if self.locked_until is not None:
            raise forms.ValidationError(retry_message(self.locked_until), code="throttled")
        self.user_cache = authenticate(self.request, username=username, password=password)
        if self.user_cache is None:
            self.locked_until = throttle.record_login_failure(username, address)
            if self.locked_until is not None:
                raise forms.ValidationError(retry_message(self.locked_until), code="throttled")
            raise self.get_invalid_login_error()
        self.confirm_login_allowed(self.user_cache)
        throttle.clear_login_failures(username)
        return self.cleaned_data


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """A wrong current password counts like a wrong login: someone who found a session
    left open must not be able to guess the password behind it."""

    def __init__(self, user: User, address: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.address = address

    def clean_old_password(self) -> str:
        username = self.user.get_username()
        until = throttle.locked_until(username, self.address)
        if until is not None:
            raise forms.ValidationError(retry_message(until), code="throttled")
        try:
            old_password: str = super().clean_old_password()
        except forms.ValidationError:
            until = throttle.record_login_failure(username, self.address)
            if until is not None:
                raise forms.ValidationError(retry_message(until), code="throttled") from None
            raise
        return old_password
