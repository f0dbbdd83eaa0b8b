"""The retention rules of data the privacy app answers for (the WeCom adapter registers
its own inbox rule), registered from ``PrivacyConfig.ready``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from siyu.core.models import AuditLog
from siyu.customers.models import Event
from siyu.imports.models import ImportJob
from siyu.privacy.models import ExportArchive
from siyu.privacy.retention import RetentionRule, register_retention


def _events(cutoff: datetime) -> QuerySet[Any]:
    return Event.objects.filter(occurred_at__lt=cutoff)


def _audit(cutoff: datetime) -> QuerySet[Any]:
    return AuditLog.objects.filter(created_at__lt=cutoff)


def _imports(cutoff: datetime) -> QuerySet[Any]:
    # Jobs already emptied are not counted again.
    return ImportJob.objects.filter(finished_at__lt=cutoff).exclude(content="", error_report=[])


def _exports(cutoff: datetime) -> QuerySet[Any]:
    return ExportArchive.objects.filter(created_at__lt=cutoff)


def register_rules() -> None:
    register_retention(RetentionRule("events", _("Behaviour events"), 1095, _events))
    register_retention(RetentionRule("audit_log", _("Audit log"), 1095, _audit))
    register_retention(
        RetentionRule(
            "import_files",
            _("Import files and error reports"),
            30,
            _imports,
            blank={"content": "", "error_report": []},
        )
    )
    register_retention(RetentionRule("exports", _("Access/copy archives"), 7, _exports))
