from siyu.customers.models.activity import Consent, ConsentPurpose, Event
from siyu.customers.models.changes import ChangeKind, CustomerChange, FeedCursor
from siyu.customers.models.identity import (
    Identity,
    IdentityLink,
    IdentityStatus,
    MergeRecord,
    ReviewFlag,
    ReviewKind,
)
from siyu.customers.models.orders import Order, OrderLine, Platform, Refund
from siyu.customers.models.profile import (
    Customer,
    CustomerFollow,
    CustomerStatus,
    Gender,
    LifecycleStage,
    SpendingPower,
)
from siyu.customers.models.tags import CustomerTag, Tag, TagGroup, TagKind, TagSource

__all__ = [
    "ChangeKind",
    "Consent",
    "ConsentPurpose",
    "Customer",
    "CustomerChange",
    "CustomerFollow",
    "CustomerStatus",
    "CustomerTag",
    "Event",
    "FeedCursor",
    "Gender",
    "Identity",
    "IdentityLink",
    "IdentityStatus",
    "LifecycleStage",
    "MergeRecord",
    "Order",
    "OrderLine",
    "Platform",
    "Refund",
    "ReviewFlag",
    "ReviewKind",
    "SpendingPower",
    "Tag",
    "TagGroup",
    "TagKind",
    "TagSource",
]
