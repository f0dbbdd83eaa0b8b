"""What every member-centre endpoint of campaigns shares: who the member is, and how a
refusal becomes a response.

The member is named by the signed member reference the mini-program login returned
(``X-Member-Ref`` header, siyu/customers/member_ref.py); a reference that does not verify
is a 401. A refusal is a 409 whose ``code`` is stable and whose ``detail`` is in the
member's language; an unknown campaign is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Schema, Status
from ninja.params import HeaderEx

from siyu.access.schemas import InvalidOut
from siyu.campaigns.models import Coupon, FlashSale, GroupBuyDeal, Lottery
from siyu.campaigns.models.groupbuy import BuyGroup
from siyu.campaigns.person import NoPerson, person_id_of
from siyu.campaigns.refusals import Refused
from siyu.customers.member_ref import HEADER, MAX_REF_LENGTH, member_id

MemberRef = Annotated[str, HeaderEx(alias=HEADER, max_length=MAX_REF_LENGTH)]
MISSING = (
    Coupon.DoesNotExist,
    Lottery.DoesNotExist,
    GroupBuyDeal.DoesNotExist,
    BuyGroup.DoesNotExist,
    FlashSale.DoesNotExist,
)


class RefusedOut(Schema):
    detail: str
    code: str = ""


# 400 bad input · 401 the member reference does not verify · 404 no such campaign ·
# 409 refused (``code`` says why) · 413 body too large · 422 a field out of bounds.
ERRORS: dict[int, Any] = {
    400: RefusedOut,
    401: RefusedOut,
    404: RefusedOut,
    409: RefusedOut,
    413: RefusedOut,
    422: InvalidOut,
}


class BadRef(Exception):
    pass


def member_person(ref: str) -> int:
    """The person (surviving profile) the reference names; BadRef when it names no one."""
    claimed = member_id(ref)
    if claimed is None:
        raise BadRef
    try:
        return person_id_of(claimed)
    except NoPerson as exc:
        raise BadRef from exc


def guarded(work: Callable[[], Any]) -> Status[Any]:
    try:
        return Status(200, work())
    except BadRef:
        return Status(401, {"detail": _("Sign in again: the member reference is not valid.")})
    except Refused as exc:
        return Status(409, {"detail": exc.message, "code": exc.code})
    except MISSING:
        return Status(404, {"detail": _("No such campaign.")})
