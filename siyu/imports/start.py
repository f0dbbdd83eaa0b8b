"""Accepting an upload: check the file as a whole now, import its rows in the background."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import transaction

from siyu.imports.csvfile import check_header, count_data_rows, decode_upload
from siyu.imports.models import ImportJob, ImportKind


@transaction.atomic
def start_import(
    kind: str,
    file_name: str,
    data: bytes,
    *,
    skip_invalid: bool,
    update_existing: bool = False,
    user: AbstractBaseUser | AnonymousUser | None,
) -> ImportJob:
    """Create the job and enqueue its task after commit.

    Raises CsvFileError (with a message for the user) for a file that cannot be imported at
    all: not text, not CSV, empty, or wrong columns. Row problems are found by the task.
    """
    text = decode_upload(data)
    check_header(kind, text)
    job = ImportJob.objects.create(
        kind=ImportKind(kind),
        file_name=file_name[:255],
        skip_invalid=skip_invalid,
        update_existing=update_existing,
        total_rows=count_data_rows(text),
        content=text,
        created_by=user if isinstance(user, User) else None,
    )
    # The worker must see the committed job; enqueueing inside the transaction could let
    # a fast worker look for a row that does not exist yet.
    from siyu.imports.tasks import run_import

    transaction.on_commit(lambda: run_import.enqueue(job.pk))
    return job
