"""Is Telegram answering? An outage is a run of answers that say nothing about the chat:
server errors (5xx, an HTML error page), unreadable answers (malformed JSON), a Bot API
that cannot be reached. Such a send is tried again later, never given up on; the answers
about the chat (403, chat not found...) are not outages.

An outage is declared when such answers go on for CONFIRM seconds with no good answer
between them (one chat's 5xx among good answers is not one): one WARNING then, and one
when Telegram answers again; the operator also sees it in /stats. Listeners (the
delivery engine) hear of the recovery so that what waited for the outage to end goes at
once, not at its back-off time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut

log = logging.getLogger(__name__)

FIRST_BACKOFF = 2.0  # seconds before a send that met an outage is tried again...
MAX_BACKOFF = 300.0  # ...growing with the outage's age, at most this
CONFIRM = 2.0  # seconds of failures without a good answer that make an outage
UNREADABLE = "invalid server response"  # PTB's text for an answer that is not JSON


def describe(error: TelegramError) -> str:
    """The error in one short line: PTB quotes a whole HTML error page in its message."""
    text = error.message.split(". Parsing the server response", 1)[0]
    return f"{type(error).__name__}: {text[:200]}"


def is_outage(error: TelegramError) -> bool:
    """Does this error say Telegram is failing (not the chat, not our request)? A timeout
    is not one: the message may have been delivered (engine.py handles it)."""
    if isinstance(error, TimedOut | BadRequest):  # PTB's BadRequest is a NetworkError
        return False
    if isinstance(error, NetworkError):  # 5xx, HTML error pages, connection errors
        return True
    return type(error) is TelegramError and UNREADABLE in error.message.lower()


class TelegramHealth:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.down_since: float | None = None  # the first failure since the last good answer
        self.declared = False  # the failures have lasted CONFIRM: an outage
        self.failures = 0  # calls that met the current (or last) outage
        self.last_error = ""
        self.outages = 0  # outages seen since start
        self._listeners: list[Callable[[], None]] = []

    @property
    def down(self) -> bool:
        """Is there an outage (declared: failures for CONFIRM s, no good answer)?"""
        return self.declared

    def on_recovery(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def off_recovery(self, listener: Callable[[], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def failed(self, error: str) -> float:
        """A call met an outage; how long to wait before trying it again."""
        now = self.clock()
        self.last_error = error
        if self.down_since is None:
            self.down_since = now
            self.failures = 0
        self.failures += 1
        if not self.declared and now - self.down_since >= CONFIRM:
            self.declared = True
            self.outages += 1
            log.warning("Telegram is failing (%s) for %.0f s: sends stay pending and are"
                        " tried again with back-off until it answers", error,
                        now - self.down_since)  # fmt: skip
        return self.backoff()

    def backoff(self) -> float:
        """As long as the outage has lasted so far: tries thin out, at most MAX_BACKOFF."""
        age = 0.0 if self.down_since is None else self.clock() - self.down_since
        return min(MAX_BACKOFF, max(FIRST_BACKOFF, age))

    def answered(self) -> None:
        """Telegram answered a call: an outage, if any, is over."""
        if self.down_since is None:
            return
        lasted = self.clock() - self.down_since
        self.down_since = None
        if not self.declared:
            return
        self.declared = False
        log.warning("Telegram answers again after %.0f s (%d call(s) met the outage);"
                    " what waited is sent now", lasted, self.failures)  # fmt: skip
        for listener in self._listeners:
            listener()

    def outage_seconds(self) -> float:
        return 0.0 if self.down_since is None else self.clock() - self.down_since
