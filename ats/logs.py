"""Logging, set up in one place (`configure`, from ATS_LOG_FORMAT) for `ats serve` and the jobs.

JSON: one object per line with time, level, logger, message and request_id, and what a call
passes in `extra` under the names of ALLOWED_EXTRA (ids, counts, durations: never a name, an
address or file contents, DESIGN §8). An exception is logged by type and frames only: its
message can echo input (an address that failed validation, a path).
"""

from __future__ import annotations

import contextvars
import itertools
import json
import logging
import re
import sys
import traceback
import uuid
from datetime import UTC, datetime
from typing import Any

# The id of the HTTP request being served (ats.web.request_log), None outside one.
REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
# What a client may send as X-Request-ID: a short token of safe characters (a proxy's or load
# balancer's id, e.g. a UUID). Anything else is replaced, so a header cannot forge log lines
# or carry personal data into them.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
# Fields a call may add with `extra=`; anything else given there is dropped.
ALLOWED_EXTRA = ("method", "route", "status", "duration_ms", "job", "run_id", "application_id", "count")


# New ids: this process's random prefix and a counter. Unique across replicas and restarts
# (64 random bits each) and made without a system call: a request id needs no unpredictability,
# and uuid4's os.urandom released the GIL on the event loop's thread for every request, which
# under load waited for worker threads to hand it back (bench/download.py, cProfile).
_PREFIX = uuid.uuid4().hex[:16]
_COUNTER = itertools.count(1)


def request_id(given: str | None) -> str:
    """The client's X-Request-ID when it is a safe token, else a new one."""
    if given is not None and SAFE_REQUEST_ID.fullmatch(given):
        return given
    return f"{_PREFIX}{next(_COUNTER):016x}"


def _exception(record: logging.LogRecord) -> dict[str, Any] | None:
    if not record.exc_info or record.exc_info[0] is None:
        return None
    kind, _, tb = record.exc_info
    frames = [f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in traceback.extract_tb(tb)]
    return {"type": kind.__name__, "frames": frames[-10:]}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": REQUEST_ID.get(),
        }
        for name in ALLOWED_EXTRA:
            if name in record.__dict__:
                entry[name] = record.__dict__[name]
        error = _exception(record)
        if error is not None:
            entry["exception"] = error
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """One readable line, with the same fields and the same restraint about exceptions."""

    def format(self, record: logging.LogRecord) -> str:
        time = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%d %H:%M:%S")
        extra = " ".join(f"{n}={record.__dict__[n]}" for n in ALLOWED_EXTRA if n in record.__dict__)
        rid = REQUEST_ID.get()
        line = f"{time} {record.levelname} {record.name}{f' [{rid}]' if rid else ''} {record.getMessage()}"
        line += f" {extra}" if extra else ""
        error = _exception(record)
        if error is not None:
            line += f" exception={error['type']} at {' < '.join(reversed(error['frames'][-3:]))}"
        return line


# Loggers of libraries we run under, routed through our handler and format: uvicorn's own
# (start-up, errors; its access log stays off: it would log paths with tokens and client
# addresses), and the SMTP server's, held at WARNING (storage.smtp_server).
LIBRARY_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "mail.log")
# HTTP client libraries log whole URLs (which can carry tokens) at INFO, botocore requests and
# credential sources at DEBUG/INFO: held at WARNING whatever the level.
QUIET_LOGGERS = ("httpx", "httpcore", "botocore", "boto3", "urllib3")


def configure(fmt: str, *, level: int = logging.INFO, stream: Any = None) -> logging.Handler:
    """Send every log record to `stream` (stderr) in `fmt` ("json" or "text"). Idempotent:
    replaces the root handlers this function installed before."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler._ats = True  # type: ignore[attr-defined]
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_ats", False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in LIBRARY_LOGGERS:
        library = logging.getLogger(name)
        library.handlers.clear()
        library.propagate = True
        if name.startswith("uvicorn"):
            library.setLevel(logging.NOTSET)  # the root's level (uvicorn sets its own from log_level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler
