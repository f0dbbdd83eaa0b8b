"""Item schemas for batch ingestion (HTTP API and CSV import).

Every limit here mirrors a column or constraint in ``siyu.customers.models``: input that
passes these schemas must never reach the database and fail there (a too-long string is a
DataError on PostgreSQL, a NUL byte is rejected by PostgreSQL text and jsonb alike), because
that would surface as a 500 instead of a per-field message.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from siyu.customers.models import Gender, LifecycleStage, Platform, SpendingPower

# Money beyond ten billion yuan in one order is a unit mix-up (yuan × 100 twice), not a sale.
MAX_FEN = 10**12
MAX_QUANTITY = 1_000_000
# Lines per order: far above real orders (wholesale and B2B orders run to thousands of
# lines) yet bounded, so one order never grows without limit in memory.
MAX_ORDER_LINES = 10_000
MAX_PROPERTIES_BYTES = 16_384
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _check_text(text: str) -> str:
    if "\x00" in text:
        raise ValueError("must not contain NUL characters")
    try:
        text.encode()
    except UnicodeEncodeError:
        # JSON allows lone surrogates ("\\ud800"); no database can store them as text.
        raise ValueError("must be valid Unicode text") from None
    return text


def _not_bool(value: Any) -> Any:
    # pydantic's lax mode reads true as 1; a boolean where money is expected is a bug upstream.
    if isinstance(value, bool):
        raise ValueError("must be an integer, not a boolean")
    return value


def _in_range(value: datetime) -> datetime:
    # Also keeps far-off years out, which would overflow when converted to UTC.
    if not EARLIEST <= value < LATEST:
        raise ValueError("must be between 2000-01-01 and 2100-01-01")
    return value


# Every text field refuses NUL and lone surrogates (a validator on the text type only: a
# wildcard validator on every field was half of an import's validation time).
Text = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_check_text)]
Fen = Annotated[int, BeforeValidator(_not_bool), Field(ge=0, le=MAX_FEN)]
PositiveFen = Annotated[int, BeforeValidator(_not_bool), Field(gt=0, le=MAX_FEN)]
Quantity = Annotated[int, BeforeValidator(_not_bool), Field(gt=0, le=MAX_QUANTITY)]
Moment = Annotated[AwareDatetime, AfterValidator(_in_range)]


class Strict(BaseModel):
    # Unknown keys are errors, not silently dropped: a typo like "paid_fee" must not turn
    # into an order with no payment.
    model_config = ConfigDict(extra="forbid", frozen=True)


class IdentityItem(Strict):
    type: Annotated[Text, Field(min_length=1, max_length=40)]
    value: Annotated[Text, Field(min_length=1, max_length=256)]
    namespace: Annotated[Text, Field(max_length=64)] = ""


Identities = Annotated[list[IdentityItem], Field(min_length=1, max_length=50)]


class ProfileItem(Strict):
    identities: Identities
    display_name: Annotated[Text, Field(max_length=100)] | None = None
    real_name: Annotated[Text, Field(max_length=100)] | None = None
    phone: Annotated[Text, Field(max_length=32)] | None = None
    email: Annotated[Text, Field(max_length=254)] | None = None
    address: Annotated[Text, Field(max_length=500)] | None = None
    gender: Gender | None = None
    birthday: date | None = None
    region: Annotated[Text, Field(max_length=100)] | None = None
    occupation: Annotated[Text, Field(max_length=100)] | None = None
    interests: (
        Annotated[list[Annotated[Text, Field(min_length=1, max_length=50)]], Field(max_length=50)]
        | None
    ) = None
    spending_power: SpendingPower | None = None
    lifecycle_stage: LifecycleStage | None = None
    # Referenced by name / username: integrations know stores and staff by those, not by pk.
    org_unit: Annotated[Text, Field(max_length=100)] | None = None
    primary_owner: Annotated[Text, Field(max_length=150)] | None = None
    # When the brand acquired the person (history from before Siyu). Only moves the stored
    # acquisition time earlier: the earliest evidence wins (customers/acquisition.py).
    first_seen_at: Moment | None = None


def _check_json_text(value: Any, depth: int = 0) -> None:
    # PostgreSQL jsonb refuses \u0000 anywhere, keys included.
    if depth > 20:
        raise ValueError("nested deeper than 20 levels")
    if isinstance(value, str):
        _check_text(value)
    elif isinstance(value, dict):
        for key, inner in value.items():
            _check_text(str(key))
            _check_json_text(inner, depth + 1)
    elif isinstance(value, list):
        for inner in value:
            _check_json_text(inner, depth + 1)


def _check_properties(value: dict[str, Any]) -> dict[str, Any]:
    _check_json_text(value)
    # allow_nan=False: PostgreSQL jsonb has no NaN or Infinity.
    encoded = json.dumps(value, ensure_ascii=False, allow_nan=False)
    if len(encoded.encode()) > MAX_PROPERTIES_BYTES:
        raise ValueError(f"larger than {MAX_PROPERTIES_BYTES} bytes as JSON")
    return value


class EventItem(Strict):
    identities: Annotated[list[IdentityItem], Field(max_length=50)] | None = None
    customer_id: Annotated[int, BeforeValidator(_not_bool), Field(gt=0)] | None = None
    type: Annotated[Text, Field(min_length=1, max_length=60)]
    occurred_at: Moment
    properties: Annotated[dict[str, Any], AfterValidator(_check_properties)] = Field(
        default_factory=dict
    )
    source: Annotated[Text, Field(max_length=40)] | None = None
    # Optional: without one, a key is derived from the event's content so that sending the
    # same batch twice still records each event once.
    idempotency_key: Annotated[Text, Field(min_length=1, max_length=128)] | None = None


class OrderLineItem(Strict):
    sku: Annotated[Text, Field(min_length=1, max_length=64)]
    product_name: Annotated[Text, Field(min_length=1, max_length=200)]
    category: Annotated[Text, Field(max_length=100)] = ""
    quantity: Quantity
    unit_price_fen: Fen
    paid_fen: Fen


class RefundItem(Strict):
    refund_no: Annotated[Text, Field(min_length=1, max_length=64)]
    amount_fen: PositiveFen
    refunded_at: Moment


class OrderItem(Strict):
    identities: Identities
    platform: Platform
    order_no: Annotated[Text, Field(min_length=1, max_length=64)]
    paid_at: Moment
    total_fen: Fen
    paid_fen: Fen
    lines: Annotated[list[OrderLineItem], Field(max_length=MAX_ORDER_LINES)] = Field(
        default_factory=list
    )
    refunds: Annotated[list[RefundItem], Field(max_length=100)] = Field(default_factory=list)
    store: Annotated[Text, Field(max_length=100)] | None = None
