"""The security log: one structured line per account event on the server's log."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from flask import has_request_context, request

logger = logging.getLogger("prisec.security")


class _UnlessConfigured(logging.StreamHandler):
    """Writes to standard error only while the server configured no logging of its own.

    waitress configures the root logger after loading the app, gunicorn does not: the
    lines appear once under either.
    """

    def emit(self, record: logging.LogRecord) -> None:
        if not logging.getLogger().handlers:
            super().emit(record)


def init_app() -> None:
    """Make the lines reach the server's standard error even where logging is not configured."""
    logger.setLevel(logging.INFO)
    if not any(isinstance(handler, _UnlessConfigured) for handler in logger.handlers):
        handler = _UnlessConfigured(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)


def log_event(event: str, **fields: Any) -> None:
    """Write `event` with its fields (and the client address) as one JSON line."""
    line: dict[str, Any] = {"event": event}
    if has_request_context():
        line["address"] = request.remote_addr
    line.update(fields)
    # JSON escapes line breaks and control characters: a typed value cannot forge a line.
    logger.info(json.dumps(line, ensure_ascii=True, default=str, sort_keys=False))
