"""The member reference: how the mini-program / H5 member centre names its customer.

A signed customer id, opaque to the client and verifiable by Siyu, carrying no personal
data. The mini-program login issues it; every member-centre API (loyalty, campaigns,
privacy requests) reads it back with ``customer_id_from_ref`` and answers 401 when it does
not verify. It lives here, not in the WeChat adapter, because domain apps read it.
"""

from __future__ import annotations

from django.core import signing

REF_SALT = "siyu.wechat.miniprogram.customer"


def customer_ref(customer_id: int) -> str:
    return signing.dumps({"c": customer_id}, salt=REF_SALT)


def customer_id_from_ref(ref: str) -> int:
    """The customer id of a reference; ``signing.BadSignature`` when it does not verify."""
    data = signing.loads(ref, salt=REF_SALT)
    return int(data["c"])
