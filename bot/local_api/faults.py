"""Fault injection: make chosen calls fail as Telegram's would (429 with retry_after, 403,
400, 5xx), per chat, per method, or at a seeded random rate; or answer as a broken
front end would: an HTML error page (`kind="html"`, e.g. nginx's 502), or a 200 whose body
is not JSON (`kind="malformed"`). Neither of those two delivers the message. Slow answers
(`slow`): the call is handled, its answer waits, as when Telegram is overloaded."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

from bot.local_api.errors import ApiError, default_description

__all__ = ["KINDS", "MESSAGE_METHODS", "Faults"]

# What a chat's faults and random faults hit unless told otherwise: the calls that put a
# message in a chat or change one (not getChat, sendChatAction, deleteMessage...).
MESSAGE_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "editMessageText", "editMessageCaption", "editMessageReplyMarkup"}
)
KINDS = ("json", "html", "malformed")  # Telegram's error JSON; an HTML page; broken JSON
_HTML_PAGE = (
    "<html>\r\n<head><title>{status} {phrase}</title></head>\r\n<body>\r\n<center><h1>"
    "{status} {phrase}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
_MALFORMED = b'{"ok":true,"result":{"message_id":'  # cut off mid-answer


@dataclass(slots=True)
class Fault:
    status: int
    description: str
    retry_after: int | None
    remaining: int | None = None  # None: forever
    rate: float = 1.0
    methods: frozenset[str] = frozenset()  # lower-case method names
    kind: str = "json"

    def error(self) -> ApiError:
        error = ApiError(self.status, self.description, self.retry_after)
        if self.kind == "html":
            phrase = self.description.removeprefix(f"{self.status} ")
            page = _HTML_PAGE.format(status=self.status, phrase=phrase)
            error.raw = (self.status, page.encode(), "text/html")
        elif self.kind == "malformed":
            error.raw = (200, _MALFORMED, "application/json")
        return error


def _lower(methods: Iterable[str] | None) -> frozenset[str]:
    return frozenset(m.lower() for m in (MESSAGE_METHODS if methods is None else methods))


class Faults:
    """The faults set by a test; `check` raises the one a call meets, if any.

    Precedence: a fault set for the method (and chat) first, then the chat's fault, then the
    random one. A chat with its own fault is never hit by the random one.
    """

    def __init__(self) -> None:
        self._chat: dict[int, Fault] = {}
        self._method: dict[tuple[str, object], Fault] = {}  # (method, chat id or None)
        self._random: Fault | None = None
        self._rng = random.Random(0)
        self._slow: dict[str, float] = {}  # lower-case method -> seconds its answer waits

    def slow(self, seconds: float, methods: Iterable[str] | None) -> None:
        """Answers of `methods` (default: the message methods) wait `seconds` after the
        call is handled; 0 clears."""
        for name in _lower(methods):
            if seconds > 0:
                self._slow[name] = seconds
            else:
                self._slow.pop(name, None)

    def answer_delay(self, method: str) -> float:
        return self._slow.get(method.lower(), 0.0) if self._slow else 0.0

    def fail_chat(
        self,
        chat_id: int,
        status: int,
        description: str | None,
        retry_after: int | None,
        times: int | None,
        methods: Iterable[str] | None,
        kind: str = "json",
    ) -> None:
        if times == 0:
            self._chat.pop(chat_id, None)
            return
        fault = make_fault(status, description, retry_after, times, kind)
        fault.methods = _lower(methods)
        self._chat[chat_id] = fault

    def fail_method(
        self,
        method: str,
        status: int,
        description: str | None,
        chat_id: int | None,
        retry_after: int | None,
        times: int | None,
        kind: str = "json",
    ) -> None:
        key = (method.lower(), chat_id)
        if times == 0:
            self._method.pop(key, None)
            return
        self._method[key] = make_fault(status, description, retry_after, times, kind)

    def fail_randomly(
        self,
        rate: float,
        status: int,
        description: str | None,
        retry_after: int | None,
        seed: int,
        methods: Iterable[str] | None,
        kind: str = "json",
    ) -> None:
        self._rng = random.Random(seed)
        if rate <= 0:
            self._random = None
            return
        fault = make_fault(status, description, retry_after, None, kind)
        fault.rate = rate
        fault.methods = _lower(methods)
        self._random = fault

    def clear(self) -> None:
        self._chat.clear()
        self._method.clear()
        self._random = None
        self._slow.clear()

    def check(self, method: str, chat_id: object) -> None:
        """Raise the ApiError of the fault `method` on `chat_id` meets, if any."""
        if not (self._chat or self._method or self._random):
            return
        name = method.lower()
        if self._method:
            for key in ((name, chat_id), (name, None)):
                fault = self._method.get(key)
                if fault is not None:
                    self._use(self._method, key, fault)
                    raise fault.error()
        fault = self._chat.get(chat_id) if isinstance(chat_id, int) else None
        if fault is not None:
            if name in fault.methods:
                self._use(self._chat, chat_id, fault)
                raise fault.error()
            return
        fault = self._random
        if fault is not None and name in fault.methods and self._rng.random() < fault.rate:
            raise fault.error()

    @staticmethod
    def _use(faults: dict, key: object, fault: Fault) -> None:
        if fault.remaining is not None:
            fault.remaining -= 1
            if fault.remaining <= 0:
                del faults[key]


def make_fault(
    status: int,
    description: str | None,
    retry_after: int | None,
    times: int | None,
    kind: str = "json",
) -> Fault:
    if kind not in KINDS:
        raise ValueError(f"fault kind {kind!r} is none of {', '.join(KINDS)}")
    if status == 429 and not retry_after:
        retry_after = 1  # PTB only raises RetryAfter for a truthy retry_after
    description = description or default_description(status, retry_after)
    return Fault(status, description, retry_after, times, kind=kind)
