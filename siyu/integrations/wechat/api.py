"""Mini-program endpoints. Called by the mini-program itself, so no integration API key;
in exchange they return nothing personal, only an opaque signed customer reference."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from siyu.access.schemas import InvalidOut
from siyu.integrations.wechat.miniprogram import LoginError, login

router = Router(tags=["wechat"])


class LoginIn(Schema):
    code: str = Field(..., description="The code from the mini-program's wx.login().")


class LoginOut(Schema):
    customer: str = Field(..., description="Opaque signed reference to the customer profile.")
    created: bool = Field(..., description="True when this login created the profile.")


class ErrorOut(Schema):
    detail: str


@router.post(
    "/miniprogram/login",
    auth=None,
    response={
        200: LoginOut,
        400: ErrorOut,
        403: ErrorOut,
        409: ErrorOut,
        413: ErrorOut,
        422: InvalidOut,
        429: ErrorOut,
        502: ErrorOut,
        503: ErrorOut,
    },
)
def miniprogram_login(request: HttpRequest, body: LoginIn) -> Status[Any]:
    try:
        result = login(body.code)
    except LoginError as exc:
        return Status(exc.status, {"detail": exc.message})
    return Status(200, {"customer": result.customer_ref, "created": result.created})
