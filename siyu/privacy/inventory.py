"""The personal-information inventory (个人信息处理清单): each kind of personal data Siyu
holds, why, on what legal basis, where (and whether encrypted), who sees it, how long.

Built from declarations that name real model fields: whether a field is encrypted is read
from the field itself, the retention from the retention rules, so the page cannot say
something the code does not do. ``siyu/privacy/tests/test_inventory.py`` fails when an
encrypted field is declared nowhere, or a declaration names a field that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from siyu.core.fields import EncryptedTextField
from siyu.core.models import Role


class LegalBasis(models.TextChoices):
    CONSENT = "consent", _("Consent")
    CONTRACT = "contract", _("Necessary for the contract (orders, service)")
    LEGAL = "legal", _("Legal obligation")


HQ = (Role.ADMIN, Role.OPERATOR)
ALL_STAFF = (Role.ADMIN, Role.OPERATOR, Role.STORE_MANAGER, Role.SALES)
UNTIL_DELETED = ""


@dataclass(frozen=True)
class PersonalData:
    kind: str | Promise
    purpose: str | Promise
    basis: str
    fields: tuple[str, ...]  # "app.Model.field"
    roles: tuple[str, ...]
    retention: str = UNTIL_DELETED  # a retention kind, or kept until the person is deleted
    masked: bool = False  # shown masked in the console (last digits, first character)


DECLARATIONS: list[PersonalData] = [
    PersonalData(_("Real name"), _("Recognise the customer in service and delivery"),
                 LegalBasis.CONTRACT, ("customers.Customer.real_name",), ALL_STAFF, masked=True),
    PersonalData(_("Mobile phone and email"), _("Recognise one person across channels"),
                 LegalBasis.CONSENT,
                 ("customers.Identity.value_encrypted", "customers.Identity.value",
                  "customers.Identity.last4", "customers.Customer.phone_last4"),
                 ALL_STAFF, masked=True),
    PersonalData(_("Address"), _("Deliver orders"), LegalBasis.CONTRACT,
                 ("customers.Customer.address",), HQ, masked=True),
    PersonalData(_("Profile: gender, birthday, region, occupation, interests"),
                 _("Personalised service and offers"), LegalBasis.CONSENT,
                 ("customers.Customer.gender", "customers.Customer.birthday",
                  "customers.Customer.region", "customers.Customer.occupation",
                  "customers.Customer.interests"), ALL_STAFF),
    PersonalData(_("WeChat and WeCom identifiers"), _("Reach the customer on WeCom"),
                 LegalBasis.CONSENT, ("customers.Identity.value",), ALL_STAFF),
    PersonalData(_("Orders and refunds"), _("Fulfil orders; the brand's accounts"),
                 LegalBasis.CONTRACT, ("customers.Order.order_no", "customers.Order.paid_fen"),
                 ALL_STAFF),
    PersonalData(_("Behaviour events"), _("Analysis of what customers do"), LegalBasis.CONSENT,
                 ("customers.Event.properties",), HQ, retention="events"),
    PersonalData(_("Tags and segments"), _("Analysis and targeted offers"), LegalBasis.CONSENT,
                 ("customers.CustomerTag.tag", "segments.Membership.segment"), ALL_STAFF),
    PersonalData(_("Consent records"), _("Prove what the customer agreed to"), LegalBasis.LEGAL,
                 ("customers.Consent.granted", "customers.Consent.policy_version"), HQ),
    PersonalData(_("Raw WeCom callbacks"), _("Apply WeCom events exactly once"),
                 LegalBasis.CONTRACT, ("wecom.CallbackInbox.payload",), (Role.ADMIN,),
                 retention="wecom_inbox"),
    PersonalData(_("Imported files"), _("Import customers and orders"), LegalBasis.CONTRACT,
                 ("imports.ImportJob.content", "imports.ImportJob.error_report"), HQ,
                 retention="import_files"),
    PersonalData(_("Access/copy archives"), _("Answer a person's access request"),
                 LegalBasis.LEGAL, ("privacy.ExportArchive.content",), HQ, retention="exports"),
    PersonalData(_("Audit log"), _("Prove who saw or changed personal data"), LegalBasis.LEGAL,
                 ("core.AuditLog.detail",), (Role.ADMIN,), retention="audit_log"),
]  # fmt: skip


def field_of(path: str) -> models.Field[Any, Any]:
    app_model, name = path.rsplit(".", 1)
    found: models.Field[Any, Any] = apps.get_model(app_model)._meta.get_field(name)
    return found


@dataclass(frozen=True)
class InventoryRow:
    data: PersonalData
    storage: list[tuple[str, bool]]  # (table.column, encrypted)
    retention_days: int | None  # None: until the person is deleted
    roles: list[str]


def inventory() -> list[InventoryRow]:
    from siyu.privacy.retention import RULES

    rows = []
    for d in DECLARATIONS:
        storage = []
        for path in d.fields:
            f = field_of(path)
            storage.append(
                (f"{f.model._meta.db_table}.{f.column}", isinstance(f, EncryptedTextField))
            )
        rule = RULES.get(d.retention)
        roles = [str(Role(r).label) for r in d.roles]
        rows.append(InventoryRow(d, storage, rule.limit_days() if rule else None, roles))
    return rows
