"""Log filters the LOGGING setting names: INFO says what an operator needs, in one line
per event; what is only interesting while debugging is DEBUG.

Kept free of Django imports: logging is configured while settings load.
"""

from __future__ import annotations

import logging


class ClientErrorsOnOneLine(logging.Filter):
    """A refused request (4xx: permission denied, bad request, CSRF) is the client's
    problem, and Django logs it with the exception's whole traceback: keep the one line.
    Server errors (5xx) keep their traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True


class InfoAsDebug(logging.Filter):
    """Lines a library logs at INFO for every unit of work (django-tasks: each task's
    start and end) become DEBUG lines, shown only when the root logger is at DEBUG
    (SIYU_LOG_LEVEL=DEBUG). A filter and not a level: db_worker resets its loggers'
    levels to INFO when it starts."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO:
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger().isEnabledFor(logging.DEBUG)
