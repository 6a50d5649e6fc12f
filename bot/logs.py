"""Logging: one line per event, text or JSON, and never the bot token."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

# Context fields that handlers and the delivery engine pass with `extra=`.
CONTEXT_FIELDS = ("digest_id", "chat_id", "update_id", "source")

# A bot token anywhere in a message (e.g. in a URL an HTTP library logs).
_TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")


class RedactTokens(logging.Filter):
    """Replaces the configured token, and anything shaped like a token, before output."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [secret for secret in secrets if secret]

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[token]")
        return _TOKEN_SHAPE.sub("[token]", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            # Format the traceback now, so the redacted text is what gets printed.
            message = f"{message}\n{logging.Formatter().formatException(record.exc_info)}"
            record.exc_info = None
            record.exc_text = None
        record.msg = self.redact(message)
        record.args = None
        # Context fields too: a source URL given to /ingest may hold a token.
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if isinstance(value, str):
                setattr(record, name, self.redact(value))
        return True


class ShortUnreadable(logging.Filter):
    """PTB logs each Bot API answer that is not JSON with a traceback and the whole answer
    (an HTML error page): one short line instead; the caller logs what it does about it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("telegram.request") and str(record.msg).startswith(
            "Can not load invalid JSON data"
        ):
            record.msg, record.args = "the Bot API's answer is not JSON", None
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        context = " ".join(
            f"{name}={getattr(record, name)}"
            for name in CONTEXT_FIELDS
            if getattr(record, name, None) is not None
        )
        line = f"{self.formatTime(record)} {record.levelname:<7} {record.name}: {record.msg}"
        return f"{line} [{context}]" if context else line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.msg,
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(level: str = "INFO", fmt: str = "text", secrets: list[str] | None = None) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ShortUnreadable())
    handler.addFilter(RedactTokens(secrets or []))
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    for noisy in ("httpx", "httpcore", "aiohttp.access", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
