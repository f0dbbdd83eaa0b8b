"""CSV import pages: upload, progress (polled by htmx), row-level error report."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from siyu.console.forms import ImportUploadForm
from siyu.core.csv_export import csv_response
from siyu.core.roles import is_hq
from siyu.customers.batch_schemas import MAX_ORDER_LINES
from siyu.imports.columns import COLUMNS, REQUIRED_ALL, REQUIRED_ANY, SAMPLES
from siyu.imports.csvfile import CsvFileError
from siyu.imports.models import ImportJob
from siyu.imports.start import start_import

RECENT_JOBS = 20
SHOWN_ERRORS = 200


def require_hq(request: HttpRequest) -> None:
    # Imports write brand-wide data, so they are an HQ tool like tag definitions.
    if not is_hq(request.user):
        raise PermissionDenied


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    require_hq(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = start_import(
                form.cleaned_data["kind"],
                upload.name or "upload.csv",
                upload.read(),
                skip_invalid=form.cleaned_data["skip_invalid"],
                update_existing=form.cleaned_data["update_existing"],
                user=request.user,
            )
        except CsvFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("console:import_detail", pk=job.pk)
    jobs = ImportJob.objects.defer("content", "error_report")[:RECENT_JOBS]
    context = {
        "form": form,
        "jobs": jobs,
        "max_lines": MAX_ORDER_LINES,
        "columns": [
            (kind, COLUMNS[kind], REQUIRED_ALL[kind], REQUIRED_ANY[kind]) for kind in COLUMNS
        ],
    }
    status = 400 if form.errors else 200
    return render(request, "console/imports/list.html", context, status=status)


def job_or_404(request: HttpRequest, pk: int) -> ImportJob:
    require_hq(request)
    return get_object_or_404(ImportJob.objects.defer("content"), pk=pk)


@login_required
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = job_or_404(request, pk)
    context = {"job": job, "errors": job.error_report[:SHOWN_ERRORS]}
    return render(request, "console/imports/detail.html", context)


@login_required
@require_GET
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    job = job_or_404(request, pk)
    if job.is_finished and getattr(request, "htmx", False):
        # Reload the whole page once, so the summary and error report appear.
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "console/imports/_progress.html", {"job": job})


@login_required
@require_GET
def import_errors_csv(request: HttpRequest, pk: int) -> HttpResponse:
    job = job_or_404(request, pk)
    # Messages quote the uploaded cells, so they go through the formula-escaping writer.
    rows = ([e.get("row"), e.get("column"), e.get("message")] for e in job.error_report)
    return csv_response(f"import-{job.pk}-errors.csv", ["row", "column", "message"], rows)


@login_required
@require_GET
def import_sample_csv(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in SAMPLES:
        raise Http404
    header, *rows = SAMPLES[kind]
    return csv_response(f"siyu-{kind}-sample.csv", header, rows)
