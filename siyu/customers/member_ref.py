"""The member reference: how the mini-program / H5 member centre names its customer.

A signed customer id, opaque to the client and verifiable by Siyu, carrying no personal
data. The mini-program login issues it; every member-centre API (loyalty, campaigns,
privacy requests) reads it back with ``customer_id_from_ref`` and answers 401 when it does
not verify. It lives here, not in the WeChat adapter, because domain apps read it.
"""

from __future__ import annotations

from django.core import signing

REF_SALT = "siyu.wechat.miniprogram.customer"
HEADER = "X-Member-Ref"  # the member-centre APIs' one header (loyalty, campaigns, privacy)
MAX_REF_LENGTH = 400


def customer_ref(customer_id: int) -> str:
    return signing.dumps({"c": customer_id}, salt=REF_SALT)


def customer_id_from_ref(ref: str) -> int:
    """The customer id of a reference; ``signing.BadSignature`` when it does not verify."""
    data = signing.loads(ref, salt=REF_SALT)
    return int(data["c"])


def member_id(ref: str | None) -> int | None:
    """The customer id a member-centre request names, or None when its reference is
    missing, oversized or does not verify (the caller answers 401)."""
    if not ref or len(ref) > MAX_REF_LENGTH:
        return None
    try:
        return customer_id_from_ref(ref)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
