"""WeCom errcodes as exceptions, each with what an operator should do about it."""

from __future__ import annotations


class WeComError(Exception):
    """A non-zero errcode. ``hint`` says how to fix it, for logs and `siyu wecom check`."""

    hint = ""
    # Retried inside the call, with backoff (WeCom answered "busy": nothing was done).
    retryable = False
    # Worth trying again later (the outbox and the onboarding task do): WeCom was busy or
    # could not be reached. False for answers that will not change by waiting.
    retry_later = False

    def __init__(self, errcode: int, errmsg: str, path: str = "") -> None:
        self.errcode = errcode
        self.errmsg = errmsg
        self.path = path
        text = f"WeCom {path or 'call'} failed: errcode {errcode} {errmsg}"
        super().__init__(f"{text} — {self.hint}" if self.hint else text)


class TokenInvalid(WeComError):
    hint = "the access token expired or was revoked; it is fetched again automatically"


class BadCredentials(WeComError):
    hint = (
        "check SIYU_WECOM_CORP_ID (管理后台 → 我的企业 → 企业ID) and SIYU_WECOM_SECRET "
        "(the self-built app's Secret; since 2023-12 the 客户联系 secret no longer works "
        "for new corps)"
    )


class TrustedIpRequired(WeComError):
    hint = (
        "60020: this server's public IP is not in the app's 企业可信IP list "
        "(应用管理 → your app → 企业可信IP); apps created after 2022-06-20 must list it"
    )


class ApiNotPermitted(WeComError):
    hint = (
        "48002: this secret may not call this API; add the app to 客户联系 → API → "
        "可调用接口的应用 (session archive needs its own secret)"
    )


class SystemBusy(WeComError):
    retry_later = True
    hint = "WeCom is busy (-1); retried with backoff"
    retryable = True


class FrequencyLimited(WeComError):
    retry_later = True
    hint = "45009: calls too frequent for this API; retried with backoff"
    retryable = True


class ConcurrencyLimited(WeComError):
    retry_later = True
    hint = "45033: too many concurrent calls; retried with backoff"
    retryable = True


class WelcomeAlreadySent(WeComError):
    hint = "41051: the customer already chatted or was welcomed; never retry"


class WelcomeBusy(WeComError):
    hint = "41096: another app is sending this welcome; may retry within 20 s"
    retryable = False  # the welcome verb decides, against the 20 s window


class InvalidMedia(WeComError):
    hint = "40007: unknown or expired media_id (WeCom keeps uploads 3 days); upload it again"


class NotVisible(WeComError):
    hint = "the staff member is outside the app's visibility range or lacks 客户联系 permission"


# Not a WeCom errcode: what the client reports when no answer came at all.
UNREACHABLE_ERRCODE = -3


class WeComUnreachable(WeComError):
    """No answer from WeCom: a timeout, a refused or dropped connection (httpx's transport
    errors). Not retried inside the call: a POST that timed out may have reached WeCom."""

    hint = "WeCom could not be reached; check the network or SIYU_WECOM_API_BASE (retried later)"
    retry_later = True

    def __init__(self, path: str, cause: Exception) -> None:
        super().__init__(UNREACHABLE_ERRCODE, f"{type(cause).__name__}: {cause}", path)


class CalledInTransaction(RuntimeError):
    """A WeCom call inside a database transaction (raised only where the guard is on, in
    tests): it would hold the transaction's locks for the call's 10 s timeout."""


class LocalRateLimited(Exception):
    """Our own limiter refused: the corp's quota for this API is used up for now."""

    def __init__(self, corp_id: str, api: str, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(
            f"WeCom {api} quota for corp {corp_id} used up; retry in {retry_after:.0f}s"
        )


ERRORS: dict[int, type[WeComError]] = {
    -1: SystemBusy,
    40001: BadCredentials,  # invalid secret
    40013: BadCredentials,  # invalid corpid
    40091: BadCredentials,  # secret format
    40014: TokenInvalid,
    42001: TokenInvalid,
    41001: TokenInvalid,  # token missing
    45009: FrequencyLimited,
    45033: ConcurrencyLimited,
    48002: ApiNotPermitted,
    60020: TrustedIpRequired,
    41051: WelcomeAlreadySent,
    41096: WelcomeBusy,
    40007: InvalidMedia,
    60011: NotVisible,
    84061: NotVisible,  # no external-contact relation
}


def error_for(errcode: int, errmsg: str, path: str = "") -> WeComError:
    return ERRORS.get(errcode, WeComError)(errcode, errmsg, path)
