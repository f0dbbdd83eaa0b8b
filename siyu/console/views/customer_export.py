"""The customer list's CSV download (``/customers/export.csv``), with the list's filters."""

from __future__ import annotations

from dataclasses import asdict

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from siyu.console.customer_export import FIRST_CHUNK, export_header, export_rows
from siyu.console.views.customers import parse_customer_filter
from siyu.core.audit import record_audit
from siyu.core.csv_export import csv_stream
from siyu.core.params import BadParameter, bad_parameter_response


@login_required
@require_GET
def customer_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    try:
        filters = parse_customer_filter(request.GET)
    except BadParameter as exc:
        return bad_parameter_response(exc)
    # Audited before the first row leaves; the row count is unknown until the end.
    record_audit(
        request.user, "customer_export", "customer", "list", masked=True, **asdict(filters)
    )
    response = StreamingHttpResponse(
        csv_stream(export_header(), export_rows(request.user, filters), chunk_rows=FIRST_CHUNK),
        content_type="text/csv; charset=utf-8",
    )
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="customers-{day}.csv"'
    return response
