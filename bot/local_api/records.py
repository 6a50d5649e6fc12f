"""What the bot did, as the stand-in saw it: sent and edited messages, calls, failures,
deletions and inline answers, the counters a quiet benchmark run keeps, and waits on them."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Counters", "InlineAnswer", "Recorder", "SentMessage"]

_LOGGER = logging.getLogger(__name__)


@dataclass(slots=True)
class SentMessage:
    """One message the bot sent or edited, as the stand-in received it.

    `text` is the text (or a photo's caption) as sent, with its HTML tags; `plain_text` what a
    user would read. `ts` is `time.monotonic()` at arrival: compare them for per-chat rates.
    A photo keeps its uploaded bytes in `photo` (or the URL it was sent by in `photo_url`) and
    the file_id the stand-in gave it in `file_id`.
    """

    method: str
    chat_id: int
    message_id: int
    text: str
    parse_mode: str | None
    reply_markup: dict | None
    link_preview_options: dict | None
    disable_web_page_preview: bool | None
    ts: float
    plain_text: str = ""
    message_thread_id: int | None = None
    photo: bytes | None = None
    photo_url: str | None = None
    file_id: str | None = None

    @property
    def buttons(self) -> list[list[tuple[str, str]]]:
        """Rows of an inline keyboard as (text, callback_data or url) pairs."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [
            [(b.get("text", ""), b.get("callback_data") or b.get("url") or "") for b in row]
            for row in rows
        ]


@dataclass(slots=True)
class InlineAnswer:
    """The bot's accepted answer to an inline query (answerInlineQuery)."""

    query_id: str
    query: str  # what the user typed
    user_id: int
    results: list[dict]
    next_offset: str
    cache_time: int | None
    is_personal: bool
    button: dict | None
    ts: float

    @property
    def titles(self) -> list[str]:
        return [r.get("title", "") for r in self.results]

    @property
    def texts(self) -> list[str]:
        """The message_text each result would send (as given, with its markup)."""
        return [
            (r.get("input_message_content") or {}).get("message_text", "") for r in self.results
        ]


@dataclass(slots=True)
class Counters:
    """What a quiet run keeps: enough to check throughput and rate limits."""

    methods: Counter[str] = field(default_factory=Counter)
    sent: int = 0
    edited: int = 0
    failed: Counter[int] = field(default_factory=Counter)
    first_ts: float | None = None
    last_ts: float | None = None
    max_per_second: int = 0  # most messages in any 1-second window
    min_chat_gap: float | None = None  # shortest time between two messages to one chat
    chat_gaps_under_1s: int = 0
    window: deque[float] = field(default_factory=deque)
    chat_last_ts: dict[int, float] = field(default_factory=dict)

    def count_message(self, method: str, chat_id: int, now: float) -> None:
        if method.startswith("send"):
            self.sent += 1
        else:
            self.edited += 1
        if self.first_ts is None:
            self.first_ts = now
        self.last_ts = now
        window = self.window
        window.append(now)
        while now - window[0] > 1.0:
            window.popleft()
        self.max_per_second = max(self.max_per_second, len(window))
        last = self.chat_last_ts.get(chat_id)
        if last is not None:
            gap = now - last
            if self.min_chat_gap is None or gap < self.min_chat_gap:
                self.min_chat_gap = gap
            if gap < 1.0:
                self.chat_gaps_under_1s += 1
        self.chat_last_ts[chat_id] = now

    def stats(self) -> dict[str, Any]:
        span = (self.last_ts - self.first_ts) if self.first_ts is not None and self.last_ts else 0.0
        return {
            "methods": dict(self.methods),
            "sent": self.sent,
            "edited": self.edited,
            "failed": {str(k): v for k, v in self.failed.items()},
            "chats": len(self.chat_last_ts),
            "seconds": round(span, 3),
            "per_second": round((self.sent + self.edited) / span, 1) if span > 0 else None,
            "max_per_second": self.max_per_second,
            "min_chat_gap": None if self.min_chat_gap is None else round(self.min_chat_gap, 4),
            "chat_gaps_under_1s": self.chat_gaps_under_1s,
        }


class Recorder:
    """The record of a run. With `record=False` only the counters are kept."""

    def __init__(self, record: bool = True) -> None:
        self.record = record
        self.sent: list[SentMessage] = []
        self.calls: list[tuple[str, dict]] = []
        self.failures: list[tuple[str, dict, int, str]] = []  # method, params, status, text
        self.deleted: list[tuple[int, int]] = []  # (chat_id, message_id)
        self.inline_answers: list[InlineAnswer] = []
        self.counters = Counters()
        self.on_message: Callable[[SentMessage], Awaitable[None] | None] | None = None
        self._by_chat: dict[int, list[SentMessage]] = {}
        self._message_event = asyncio.Event()
        self._call_event = asyncio.Event()

    # -- writing

    def call(self, method: str, params: dict) -> None:
        self.counters.methods[method] += 1
        if self.record:
            self.calls.append((method, params))
            self._call_event.set()

    def failure(self, method: str, params: dict, status: int, description: str) -> None:
        self.counters.failed[status] += 1
        if self.record:
            self.failures.append((method, params, status, description))

    async def message(self, sent: SentMessage) -> None:
        self.counters.count_message(sent.method, sent.chat_id, sent.ts)
        if not self.record:
            return
        self.sent.append(sent)
        self._by_chat.setdefault(sent.chat_id, []).append(sent)
        self._message_event.set()
        if self.on_message is not None:
            try:
                result = self.on_message(sent)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                _LOGGER.exception("on_message hook failed")

    def deletion(self, chat_id: int, message_id: int) -> None:
        if self.record:
            self.deleted.append((chat_id, message_id))

    def inline_answer(self, answer: InlineAnswer) -> None:
        if self.record:
            self.inline_answers.append(answer)
            self._call_event.set()

    def clear(self) -> None:
        self.sent.clear()
        self.calls.clear()
        self.failures.clear()
        self.deleted.clear()
        self.inline_answers.clear()
        self._by_chat.clear()
        self.counters = Counters()

    # -- reading

    def messages_for(self, chat_id: int) -> list[SentMessage]:
        return list(self._by_chat.get(chat_id, ()))

    async def wait_for_messages(
        self,
        count: int,
        chat_id: int | None,
        timeout: float,  # noqa: ASYNC109
        describe: Callable[[], str],
    ) -> list[SentMessage]:
        if not self.record:
            raise RuntimeError("this LocalBotApi keeps counters only (record=False)")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            messages = self.sent if chat_id is None else self._by_chat.get(chat_id, [])
            if len(messages) >= count:
                return list(messages)
            remaining = deadline - loop.time()
            if remaining <= 0:
                where = "in all" if chat_id is None else f"for chat {chat_id}"
                raise TimeoutError(
                    f"expected {count} message(s) {where} within {timeout}s, "
                    f"got {len(messages)}\n"
                    + "".join(
                        f"  {m.method} #{m.message_id}: {m.text[:80]!r}\n" for m in messages[-5:]
                    )
                    + describe()
                )
            self._message_event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._message_event.wait(), remaining)

    async def wait_for(
        self,
        found: Callable[[], Any],
        timeout: float,  # noqa: ASYNC109
        explain: Callable[[], str],
    ) -> Any:
        """Wait until `found()` is truthy (checked after each call); returns it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = found()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(explain())
            self._call_event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._call_event.wait(), remaining)

    def describe_failures(self) -> str:
        lines = []
        if self.failures:
            lines.append("failed calls:")
            lines += [f"  {m} {p.get('chat_id')} -> {s} {d}" for m, p, s, d in self.failures[-5:]]
        methods = [method for method, _ in self.calls[-10:]]
        lines.append(f"last calls: {methods}")
        return "\n".join(lines)
