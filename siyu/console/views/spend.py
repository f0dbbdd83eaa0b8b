"""Channel spend: one amount per channel and day, typed in a form or imported from a CSV
(``channel,day,amount,note``; amounts in 元). A file with a bad row imports nothing and
says which rows to fix. Recording the same channel and day again replaces the amount."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.analytics.tables import yuan
from siyu.channels.models import Channel, ChannelSpend
from siyu.channels.spend import record_spend
from siyu.console.channel_forms import SpendForm, SpendImportForm
from siyu.console.views.channels import require_hq
from siyu.core.audit import record_audit
from siyu.core.csv_export import csv_response
from siyu.core.params import BadParameter, parse_date, parse_text, parse_yuan

HEADER = ("channel", "day", "amount", "note")
MAX_ROWS = 5000
RECENT = 30


@dataclass(frozen=True)
class SpendRow:
    channel: Channel
    day: date
    amount_fen: int
    note: str


def _row(line: dict[str, str], channels: dict[str, Channel]) -> SpendRow:
    channel = channels.get((line.get("channel") or "").strip())
    if channel is None:
        raise BadParameter(
            "channel", _("unknown channel “%(name)s”") % {"name": line.get("channel")}
        )
    day = parse_date(line, "day")
    if day is None:
        raise BadParameter("day", _("day is missing"))
    amount = parse_yuan(line, "amount")
    if amount is None:
        raise BadParameter("amount", _("amount is missing"))
    return SpendRow(channel, day, amount, parse_text(line, "note", max_length=200))


def parse_spend_csv(content: bytes) -> tuple[list[SpendRow], list[str]]:
    """The rows of a spend sheet, or the errors naming each bad row (line numbers as a
    spreadsheet shows them, the header being line 1)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [_("The file is not UTF-8 text: save it as “CSV UTF-8”.")]
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or not {"channel", "day", "amount"} <= set(reader.fieldnames):
        return [], [_("The first line must name the columns: channel,day,amount,note")]
    channels = {c.name: c for c in Channel.objects.all()}
    rows, errors = [], []
    for number, line in enumerate(reader, start=2):
        if number > MAX_ROWS + 1:
            errors.append(_("At most %(n)d rows per file.") % {"n": MAX_ROWS})
            break
        try:
            rows.append(_row(line, channels))
        except BadParameter as exc:
            errors.append(_("Line %(line)d: %(error)s") % {"line": number, "error": exc})
    return rows, errors


def _import(request: HttpRequest, form: SpendImportForm) -> list[str]:
    rows, errors = parse_spend_csv(form.cleaned_data["file"].read())
    if errors:
        return errors
    with transaction.atomic():
        for row in rows:
            record_spend(
                row.channel,
                period_start=row.day,
                period_end=row.day,
                amount_fen=row.amount_fen,
                note=row.note,
            )
        record_audit(request.user, "channel_spend.import", "channel_spend", "", rows=len(rows))
    messages.success(request, _("%(n)d spend rows recorded.") % {"n": len(rows)})
    return []


@login_required
def spend_page(request: HttpRequest) -> HttpResponse:
    require_hq(request)
    posted = request.method == "POST"
    typed = posted and "amount" in request.POST
    form = SpendForm(request.POST if typed else None, initial={"day": timezone.localdate()})
    upload = SpendImportForm(
        request.POST if posted and not typed else None, request.FILES if posted else None
    )
    errors: list[str] = []
    if typed and form.is_valid():
        data = form.cleaned_data
        spend = record_spend(
            data["channel"],
            period_start=data["day"],
            period_end=data["day"],
            amount_fen=data["amount"],
            note=data["note"],
        )
        record_audit(request.user, "channel_spend.record", "channel_spend", spend.pk)
        messages.success(
            request, _("Spend recorded: %(amount)s 元.") % {"amount": yuan(spend.amount_fen)}
        )
        return redirect("console:channel_spend")
    if upload.is_bound and upload.is_valid():
        errors = _import(request, upload)
        if not errors:
            return redirect("console:channel_spend")
    recent = [
        {"spend": s, "amount": yuan(s.amount_fen)}
        for s in ChannelSpend.objects.select_related("channel").order_by("-period_start", "-pk")[
            :RECENT
        ]
    ]
    context = {"form": form, "upload": upload, "errors": errors, "recent": recent}
    return render(request, "console/channels/spend.html", context, status=400 if errors else 200)


@login_required
def spend_sample(request: HttpRequest) -> HttpResponse:
    require_hq(request)
    names = list(Channel.objects.order_by("name").values_list("name", flat=True)[:2]) or ["抖音"]
    rows = [(name, timezone.localdate().isoformat(), "1200.00", "") for name in names]
    return csv_response("channel-spend-sample.csv", HEADER, rows)
