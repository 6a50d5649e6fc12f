"""A local stand-in of the Telegram Bot API, for the tests, `digest-bot console` and benchmarks.

It speaks the same HTTP as api.telegram.org (POST `/bot<token>/<method>`, form-encoded,
JSON, or multipart bodies; `{"ok": ..., "result" | "error_code", "description"}` answers
with real HTTP status codes), so the real python-telegram-bot client runs against it
unchanged. The "user side" is a Python API: enqueue updates, press buttons, inject faults,
and read back what the bot sent.

Run standalone (a benchmark's server in its own process):

    python -m bot.local_api --port 8081 --quiet-record

prints its base URL on the first line of stdout, serves until SIGTERM/SIGINT, then prints
its counters as one JSON line. `GET /_local/stats` answers the same counters while running.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import inspect
import json
import logging
import random
import re
import signal
import sys
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web

__all__ = ["EntityParseError", "LocalBotApi", "SentMessage", "main", "parse_html"]

_LOGGER = logging.getLogger(__name__)

MAX_TEXT_UTF16 = 4096
MAX_ENTITIES = 100
DEFAULT_GROUP_USER_ID = 1001  # who speaks in a group when the test does not say

# Form values are strings; these parameters are numbers or booleans in the Bot API.
_INT_PARAMS = frozenset(
    {
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "user_id",
        "from_chat_id",
        "message_thread_id",
        "reply_to_message_id",
        "max_connections",
        "cache_time",
    }
)
_BOOL_PARAMS = frozenset(
    {
        "disable_web_page_preview",
        "disable_notification",
        "protect_content",
        "drop_pending_updates",
        "show_alert",
        "allow_sending_without_reply",
        "allow_paid_broadcast",
    }
)
_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
)
_PARSE_MODES = {"html": "HTML", "markdown": "Markdown", "markdownv2": "MarkdownV2"}


class ApiError(Exception):
    """An error answer: the HTTP status, Telegram's description, and maybe `retry_after`."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def _default_description(status: int, retry_after: int | None) -> str:
    if status == 429:
        return f"Too Many Requests: retry after {retry_after}"
    if status == 403:
        return "Forbidden: bot was blocked by the user"
    if status == 400:
        return "Bad Request: chat not found"
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Error {status}"


# --- Telegram's HTML parse mode -------------------------------------------------------------


class EntityParseError(ValueError):
    """Markup Telegram would refuse with "Bad Request: can't parse entities: <message>"."""


_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
# A plain <name> or </name> in one match; any other "<" or "&" is looked at closely.
_TOKEN = re.compile(r"<(/?)([^ \t\r\n\v\f<>/]+)>|[<&]")
_SPACES = " \t\r\n\v\f"
_TAG_NAME = re.compile(r"[^ \t\r\n\v\f>]*")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:#x([0-9a-fA-F]+)|#([0-9]+)|([a-zA-Z]+));?")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's limits and entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _decode_entity(markup: str, pos: int) -> tuple[str | None, int]:
    """Decode `&...;` at `pos` the way Telegram does; unknown ones stay literal text."""
    m = _ENTITY.match(markup, pos)
    if m is None:
        return None, pos + 1
    hex_digits, dec_digits, name = m.groups()
    if name is not None:
        char = _NAMED_ENTITIES.get(name)
        return (char, m.end()) if char else (None, pos + 1)
    digits = hex_digits or dec_digits
    if len(digits) > 7:
        return None, pos + 1
    code = int(digits, 16 if hex_digits else 10)
    if code == 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None, pos + 1
    return chr(code), m.end()


def _byte_offset(markup: str, pos: int) -> int:
    return len(markup[:pos].encode("utf-8"))


def _unclosed_start_tag(markup: str, tag_pos: int) -> EntityParseError:
    return EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(markup, tag_pos)}")


def _parse_attributes(markup: str, pos: int, tag: str, tag_pos: int) -> tuple[dict[str, str], int]:
    """Attributes of a start tag from `pos`; returns them and the index of the closing `>`."""
    n = len(markup)
    attrs: dict[str, str] = {}
    while True:
        while pos < n and markup[pos] in _SPACES:
            pos += 1
        if pos >= n:
            raise _unclosed_start_tag(markup, tag_pos)
        if markup[pos] == ">":
            return attrs, pos
        start = pos
        while pos < n and markup[pos] not in _SPACES and markup[pos] not in "=>":
            pos += 1
        name = markup[start:pos].lower()
        while pos < n and markup[pos] in _SPACES:
            pos += 1
        if pos >= n or markup[pos] != "=":
            if tag == "blockquote" and name == "expandable":
                attrs[name] = ""
                continue
            raise EntityParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {_byte_offset(markup, tag_pos)}"
            )
        pos += 1
        while pos < n and markup[pos] in _SPACES:
            pos += 1
        if pos >= n:
            raise _unclosed_start_tag(markup, tag_pos)
        quote = markup[pos]
        if quote in "\"'":
            end = markup.find(quote, pos + 1)
            if end < 0:
                raise EntityParseError(
                    f"Unclosed start tag at byte offset {_byte_offset(markup, tag_pos)}"
                )
            attrs[name] = _unescape(markup[pos + 1 : end])
            pos = end + 1
        else:
            start = pos
            while pos < n and (markup[pos].isalnum() or markup[pos] in ".-"):
                pos += 1
            if pos < n and markup[pos] not in _SPACES and markup[pos] != ">":
                raise EntityParseError(
                    f"Unexpected end of name token at byte offset {_byte_offset(markup, start)}"
                )
            attrs[name] = markup[start:pos].lower()


def _unescape(value: str) -> str:
    if "&" not in value:
        return value
    out: list[str] = []
    pos = 0
    while (amp := value.find("&", pos)) >= 0:
        out.append(value[pos:amp])
        char, pos = _decode_entity(value, amp)
        out.append("&" if char is None else char)
    out.append(value[pos:])
    return "".join(out)


def parse_html(markup: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's HTML parse mode: the plain text and its entities (UTF-16 offsets).

    Raises EntityParseError with Telegram's wording for markup it refuses: unsupported or
    unbalanced tags, a bare `<`. Unknown `&name;` entities stay literal, as in Telegram.
    """
    # Offsets count UTF-16 units; without astral characters that is plain len().
    measure = len if markup.isascii() or _ASTRAL.search(markup) is None else utf16_len
    out: list[str] = []
    offset = 0  # UTF-16 length of the text so far
    stack: list[tuple[str, int, dict[str, str]]] = []
    entities: list[tuple[int, int, int, dict[str, Any]]] = []
    n = len(markup)
    pos = 0
    while pos < n:
        m = _TOKEN.search(markup, pos)
        end = n if m is None else m.start()
        if end > pos:
            chunk = markup[pos:end]
            out.append(chunk)
            offset += measure(chunk)
        if m is None:
            break
        token = m.group()
        if token == "&":
            char, pos = _decode_entity(markup, end)
            char = "&" if char is None else char
            out.append(char)
            offset += measure(char)
            continue
        tag_pos = end
        if token == "<":  # not a plain <name> or </name>: the careful path
            closing = markup.startswith("/", end + 1)
            name_match = _TAG_NAME.match(markup, end + 1 + closing)
            name = name_match.group().lower()
            pos = name_match.end()
        else:
            closing = bool(m.group(1))
            name = m.group(2).lower()
            pos = m.end() - 1  # at the ">"
        if closing:
            if not stack:
                raise EntityParseError(
                    f"Unexpected end tag at byte offset {_byte_offset(markup, tag_pos)}"
                )
            while pos < n and markup[pos] in _SPACES:
                pos += 1
            if pos >= n or markup[pos] != ">":
                raise EntityParseError(
                    f"Unclosed end tag at byte offset {_byte_offset(markup, tag_pos)}"
                )
            tag, tag_offset, attrs = stack.pop()
            if name and name != tag:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(markup, tag_pos)}, "
                    f'expected "</{tag}>", found "</{name}>"'
                )
            if offset > tag_offset:
                entity = _entity(tag, attrs, tag_offset, offset - tag_offset)
                entities.append((tag_offset, -entity["length"], len(stack), entity))
            pos += 1
            continue
        if pos >= n:
            raise _unclosed_start_tag(markup, tag_pos)
        if name not in _HTML_TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{name}" at byte offset {_byte_offset(markup, tag_pos)}'
            )
        if markup[pos] == ">":
            attrs: dict[str, str] = {}
        else:
            attrs, pos = _parse_attributes(markup, pos, name, tag_pos)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset '
                f"{_byte_offset(markup, tag_pos)}"
            )
        stack.append((name, offset, attrs))
        pos += 1
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: e[:3])  # by offset, outer entities first
    return "".join(out), [e[3] for e in entities]


# A broadcast sends one rendered text to many chats: parse each text once. The results
# are shared between messages, so nothing may mutate them.
_parse_html_cached = functools.lru_cache(maxsize=256)(parse_html)


def _entity(tag: str, attrs: dict[str, str], offset: int, length: int) -> dict[str, Any]:
    entity: dict[str, Any] = {"type": _HTML_TAGS[tag], "offset": offset, "length": length}
    if tag == "a":
        entity["url"] = attrs.get("href", "")
    elif tag == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif tag == "tg-emoji":
        entity["custom_emoji_id"] = attrs.get("emoji-id", "")
    elif tag == "code" and attrs.get("class", "").startswith("language-"):
        entity["language"] = attrs["class"].removeprefix("language-")
    return entity


# --- what the bot did -----------------------------------------------------------------------


@dataclass(slots=True)
class SentMessage:
    """One message the bot sent or edited, as the stand-in received it.

    `text` is the text as sent (with its HTML tags); `plain_text` what a user would read.
    `ts` is `time.monotonic()` at arrival: compare them for per-chat rates.
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

    @property
    def buttons(self) -> list[list[tuple[str, str]]]:
        """Rows of an inline keyboard as (text, callback_data or url) pairs."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [
            [(b.get("text", ""), b.get("callback_data") or b.get("url") or "") for b in row]
            for row in rows
        ]


@dataclass(slots=True)
class _Fault:
    status: int
    description: str
    retry_after: int | None
    remaining: int | None = None  # None: forever
    rate: float = 1.0


@dataclass(slots=True)
class _Counters:
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


# --- the server -----------------------------------------------------------------------------


class LocalBotApi:
    """An in-process Bot API server on 127.0.0.1 (port 0 picks a free port)."""

    def __init__(
        self,
        *,
        token: str = "123456:LOCAL-TEST-TOKEN",
        username: str = "digest_test_bot",
        host: str = "127.0.0.1",
        port: int = 0,
        record: bool = True,
    ) -> None:
        bot_id, _, _ = token.partition(":")
        if not bot_id.isdigit():
            raise ValueError(f"a bot token starts with the bot's numeric id: {token[:12]!r}...")
        self.token = token
        self.username = username
        self.bot_id = int(bot_id)
        self.host = host
        self.port = port
        self.record = record  # False: keep only counters (benchmarks with 100k messages)
        self.base_url = ""

        self.sent: list[SentMessage] = []
        self.calls: list[tuple[str, dict]] = []
        self.failures: list[tuple[str, dict, int, str]] = []  # method, params, status, description
        self.on_message: Callable[[SentMessage], Awaitable[None] | None] | None = None
        self.webhook: dict | None = None
        self.webhook_errors: list[str] = []
        self.webhook_attempts = 3  # posts per update before it is given up (webhook_errors)
        self.commands: list[dict] = []
        self.counters = _Counters()

        self._by_chat: dict[int, list[SentMessage]] = {}
        self._messages: dict[tuple[int, int], dict] = {}  # the bot's messages, latest version
        self._next_message_id: dict[int, int] = {}
        self._chats: dict[int, dict] = {}
        self._users: dict[int, dict] = {}
        self._admins: dict[int, set[int]] = {}
        self._message_event = asyncio.Event()
        self._call_event = asyncio.Event()

        self._updates: list[dict] = []
        self._next_update_id = 1
        self._updates_event = asyncio.Event()
        self._allowed_updates: set[str] | None = None
        self._poll_generation = 0
        self._callback_ids = 0

        self._chat_faults: dict[int, _Fault] = {}
        self._random_fault: _Fault | None = None
        self._rng = random.Random(0)

        self._webhook_queue: asyncio.Queue[dict] | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self._closing = False

        self._methods: dict[str, Callable[[dict], Awaitable[Any]]] = {
            "getme": self._get_me,
            "logout": self._true,
            "close": self._true,
            "deletewebhook": self._delete_webhook,
            "setwebhook": self._set_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "getupdates": self._get_updates,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._true,
            "sendchataction": self._true,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "getchat": self._get_chat,
            "getchatmember": self._get_chat_member,
            "getchatadministrators": self._get_chat_administrators,
        }

    # -- life cycle

    async def start(self) -> None:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/_local/stats", self._control_stats)
        app.router.add_post("/_local/{action}", self._control)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self.base_url = f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        # Wake held getUpdates so the server's shutdown does not wait for them.
        self._closing = True
        self._wake_pollers()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LocalBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- the user side

    def send_user_message(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Tester",
        chat_title: str | None = None,
    ) -> int:
        """A user writes `text` in a chat; returns the update_id.

        The user is `user_id`, by default the chat itself in a private chat and
        DEFAULT_GROUP_USER_ID elsewhere. chat_type: private, group, supergroup or channel.
        """
        user = self._user(chat_id, user_id, chat_type, first_name)
        if chat_type == "private":
            chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
        else:
            chat = {"id": chat_id, "type": chat_type, "title": chat_title or f"Chat {chat_id}"}
        self._chats[chat_id] = chat
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat_id),
            "from": user,
            "chat": chat,
            "date": int(time.time()),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            length = utf16_len(command)
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        if chat_type == "channel":  # channel posts come without a sender
            del message["from"]
            return self.add_update({"channel_post": message})
        return self.add_update({"message": message})

    def press_button(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
    ) -> int:
        """A user presses an inline button with `data` under the bot's message; an update_id."""
        message = self._messages.get((chat_id, message_id))
        if message is None:
            raise LookupError(
                f"no message {message_id} from the bot in chat {chat_id} "
                f"(the bot sent message ids {sorted(m for c, m in self._messages if c == chat_id)})"
            )
        self._callback_ids += 1
        query = {
            "id": str(self._callback_ids),
            "from": self._user(chat_id, user_id, chat_type, "Tester"),
            "message": message,
            "chat_instance": str(chat_id),
            "data": data,
        }
        return self.add_update({"callback_query": query})

    def add_update(self, update: dict) -> int:
        """Queue a raw update (an update_id is assigned when missing); returns the update_id."""
        update_id = update.get("update_id")
        if update_id is None:
            update = {"update_id": self._next_update_id, **update}
            update_id = self._next_update_id
        self._next_update_id = max(self._next_update_id, update_id + 1)
        if self.webhook is not None:
            self._queue_for_webhook(update)
        else:
            self._updates.append(update)
            self._wake_pollers()
        return update_id

    def set_chat_admins(self, chat_id: int, user_ids: set[int]) -> None:
        self._admins[chat_id] = set(user_ids)

    @property
    def pending_updates(self) -> list[dict]:
        """Updates not yet confirmed by a getUpdates offset."""
        return list(self._updates)

    # -- what the bot did

    def messages_for(self, chat_id: int) -> list[SentMessage]:
        return list(self._by_chat.get(chat_id, ()))

    async def wait_for_messages(
        self,
        count: int,
        *,
        chat_id: int | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """Wait until at least `count` messages (to `chat_id`, if given) arrived; returns them."""
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
                raise TimeoutError(self._describe_wait(count, chat_id, timeout, messages))
            self._message_event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._message_event.wait(), remaining)

    async def wait_for_call(
        self,
        method: str,
        *,
        count: int = 1,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[dict]:
        """Wait until the bot called `method` at least `count` times; returns those params."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = [params for name, params in self.calls if name == method]
            if len(found) >= count:
                return found
            remaining = deadline - loop.time()
            if remaining <= 0:
                called = [name for name, _ in self.calls[-10:]]
                raise TimeoutError(
                    f"expected {count} {method} call(s) within {timeout}s, got {len(found)}; "
                    f"last calls: {called}"
                )
            self._call_event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._call_event.wait(), remaining)

    def _describe_wait(
        self, count: int, chat_id: int | None, timeout: float, messages: list[SentMessage]
    ) -> str:
        where = "in all" if chat_id is None else f"for chat {chat_id}"
        lines = [f"expected {count} message(s) {where} within {timeout}s, got {len(messages)}"]
        lines += [f"  {m.method} #{m.message_id}: {m.text[:80]!r}" for m in messages[-5:]]
        if self.failures:
            lines.append("failed calls:")
            lines += [f"  {m} {p.get('chat_id')} -> {s} {d}" for m, p, s, d in self.failures[-5:]]
        methods = [method for method, _ in self.calls[-10:]]
        lines.append(f"last calls: {methods}; pending updates: {len(self._updates)}")
        return "\n".join(lines)

    def clear(self) -> None:
        """Forget recorded messages, calls and counters (not chats, message ids or faults)."""
        self.sent.clear()
        self.calls.clear()
        self.failures.clear()
        self._by_chat.clear()
        self.counters = _Counters()

    def stats(self) -> dict[str, Any]:
        c = self.counters
        span = (c.last_ts - c.first_ts) if c.first_ts is not None and c.last_ts else 0.0
        return {
            "methods": dict(c.methods),
            "sent": c.sent,
            "edited": c.edited,
            "failed": {str(k): v for k, v in c.failed.items()},
            "chats": len(c.chat_last_ts),
            "seconds": round(span, 3),
            "per_second": round((c.sent + c.edited) / span, 1) if span > 0 else None,
            "max_per_second": c.max_per_second,
            "min_chat_gap": None if c.min_chat_gap is None else round(c.min_chat_gap, 4),
            "chat_gaps_under_1s": c.chat_gaps_under_1s,
        }

    # -- fault injection

    def fail_chat(
        self,
        chat_id: int,
        status: int,
        description: str | None = None,
        *,
        retry_after: int | None = None,
        times: int | None = None,
    ) -> None:
        """The next `times` sends/edits to the chat fail (None: until cleared; 0 clears)."""
        if times == 0:
            self._chat_faults.pop(chat_id, None)
            return
        self._chat_faults[chat_id] = self._fault(status, description, retry_after, times)

    def fail_randomly(
        self,
        rate: float,
        status: int,
        description: str | None = None,
        *,
        retry_after: int | None = None,
        seed: int = 0,
    ) -> None:
        """A seeded fraction of sends/edits fail (not chats set via fail_chat); 0 clears."""
        self._rng = random.Random(seed)
        if rate <= 0:
            self._random_fault = None
            return
        fault = self._fault(status, description, retry_after, None)
        fault.rate = rate
        self._random_fault = fault

    def clear_faults(self) -> None:
        self._chat_faults.clear()
        self._random_fault = None

    @staticmethod
    def _fault(
        status: int, description: str | None, retry_after: int | None, times: int | None
    ) -> _Fault:
        if status == 429 and not retry_after:
            retry_after = 1  # PTB only raises RetryAfter for a truthy retry_after
        description = description or _default_description(status, retry_after)
        return _Fault(status, description, retry_after, times)

    def _maybe_fail(self, chat_id: int) -> None:
        fault = self._chat_faults.get(chat_id)
        if fault is not None:
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    del self._chat_faults[chat_id]
        else:
            fault = self._random_fault
            if fault is None or self._rng.random() >= fault.rate:
                return
        raise ApiError(fault.status, fault.description, fault.retry_after)

    # -- HTTP

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error_response(401, "Unauthorized")
        method = request.match_info["method"]
        try:
            params = await _read_params(request)
        except (ValueError, UnicodeDecodeError) as exc:
            return _error_response(400, f"Bad Request: can't read the request: {exc}")
        self.counters.methods[method] += 1
        if self.record:
            self.calls.append((method, params))
            self._call_event.set()
        handler = self._methods.get(method.lower())
        if handler is None:
            return _error_response(404, "Not Found: method not found")
        try:
            result = await handler(params)
        except ApiError as exc:
            self.counters.failed[exc.status] += 1
            if self.record:
                self.failures.append((method, params, exc.status, exc.description))
            return _error_response(exc.status, exc.description, exc.retry_after)
        return web.Response(
            body=json.dumps({"ok": True, "result": result}).encode(),
            content_type="application/json",
        )

    async def _control_stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats())

    async def _control(self, request: web.Request) -> web.Response:
        """Drive a standalone server: fail_chat, fail_randomly, clear_faults, clear,
        user_message (JSON bodies with the Python methods' arguments)."""
        action = request.match_info["action"]
        body = await request.json() if request.can_read_body else {}
        if action == "fail_chat":
            self.fail_chat(
                int(body["chat_id"]),
                int(body["status"]),
                body.get("description"),
                retry_after=body.get("retry_after"),
                times=body.get("times"),
            )
        elif action == "fail_randomly":
            self.fail_randomly(
                float(body["rate"]),
                int(body.get("status", 429)),
                body.get("description"),
                retry_after=body.get("retry_after"),
                seed=int(body.get("seed", 0)),
            )
        elif action == "clear_faults":
            self.clear_faults()
        elif action == "clear":
            self.clear()
        elif action == "user_message":
            chat_id = int(body.pop("chat_id"))
            update_id = self.send_user_message(chat_id, body.pop("text"), **body)
            return web.json_response({"update_id": update_id})
        else:
            raise web.HTTPNotFound(text=f"unknown control action {action!r}")
        return web.json_response({"ok": True})

    # -- Bot API methods

    async def _true(self, params: dict) -> bool:
        return True

    async def _get_me(self, params: dict) -> dict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Digest Test Bot",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _delete_webhook(self, params: dict) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _set_webhook(self, params: dict) -> bool:
        if not params.get("url"):
            return await self._delete_webhook(params)
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = dict(params)
        pending, self._updates = self._updates, []
        for update in pending:
            self._queue_for_webhook(update)
        return True

    async def _get_webhook_info(self, params: dict) -> dict:
        info: dict[str, Any] = {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates)
            + (self._webhook_queue.qsize() if self._webhook_queue else 0),
        }
        if self.webhook and self.webhook.get("allowed_updates"):
            info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    async def _get_updates(self, params: dict) -> list[dict]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            self._allowed_updates = set(allowed) if allowed else None
        offset = params.get("offset")
        if isinstance(offset, int):
            self._confirm(offset)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = float(params.get("timeout") or 0)
        # A newer getUpdates ends an older one still held, as Telegram does.
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            ready = self._deliverable(limit)
            if ready or self._closing:
                return ready
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            event = self._updates_event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            del self._updates[: max(len(self._updates) + offset, 0)]
        else:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

    def _deliverable(self, limit: int) -> list[dict]:
        if self._allowed_updates is not None:
            # Telegram drops updates of types the bot did not ask for.
            self._updates = [u for u in self._updates if _update_type(u) in self._allowed_updates]
        return self._updates[:limit]

    def _wake_pollers(self) -> None:
        event, self._updates_event = self._updates_event, asyncio.Event()
        event.set()

    async def _send_message(self, params: dict) -> dict:
        chat_id = self._chat_id(params)
        self._maybe_fail(chat_id)
        text, parse_mode = params.get("text"), params.get("parse_mode")
        plain, entities = self._parse_text(text, parse_mode, params.get("entities"))
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat_id),
            "from": self._bot_user(),
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            "text": plain,
        }
        self._decorate(message, entities, params)
        await self._record("sendMessage", chat_id, message, params)
        return message

    async def _edit_message_text(self, params: dict) -> dict | bool:
        if params.get("inline_message_id"):
            return True
        chat_id = self._chat_id(params)
        self._maybe_fail(chat_id)
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise ApiError(400, "Bad Request: message identifier is not specified")
        plain, entities = self._parse_text(
            params.get("text"), params.get("parse_mode"), params.get("entities")
        )
        old = self._existing_message(chat_id, message_id)
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": self._bot_user(),
            "chat": self._chat(chat_id),
            "date": old["date"] if old else int(time.time()),
            "edit_date": int(time.time()),
            "text": plain,
        }
        self._decorate(message, entities, params)
        if old is not None and all(
            old.get(key) == message.get(key) for key in ("text", "entities", "reply_markup")
        ):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        await self._record("editMessageText", chat_id, message, params)
        return message

    async def _edit_message_reply_markup(self, params: dict) -> dict | bool:
        if params.get("inline_message_id"):
            return True
        chat_id = self._chat_id(params)
        self._maybe_fail(chat_id)
        message_id = params.get("message_id")
        old = self._existing_message(chat_id, message_id) if isinstance(message_id, int) else None
        if old is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        message = {k: v for k, v in old.items() if k != "reply_markup"}
        message["edit_date"] = int(time.time())
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        if message.get("reply_markup") == old.get("reply_markup"):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        await self._record("editMessageReplyMarkup", chat_id, message, params)
        return message

    async def _delete_message(self, params: dict) -> bool:
        chat_id = self._chat_id(params)
        if self.record and self._messages.pop((chat_id, params.get("message_id")), None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    async def _set_my_commands(self, params: dict) -> bool:
        self.commands = list(params.get("commands") or [])
        return True

    async def _get_my_commands(self, params: dict) -> list[dict]:
        return self.commands

    async def _delete_my_commands(self, params: dict) -> bool:
        self.commands = []
        return True

    async def _get_chat(self, params: dict) -> dict:
        chat_id = self._chat_id(params)
        return {
            **self._chat(chat_id),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _get_chat_member(self, params: dict) -> dict:
        chat_id = self._chat_id(params)
        user_id = params.get("user_id")
        if not isinstance(user_id, int):
            raise ApiError(400, "Bad Request: invalid user_id specified")
        if user_id in self._admins.get(chat_id, ()):
            return self._admin_member(user_id)
        return {"status": "member", "user": self._known_user(user_id)}

    async def _get_chat_administrators(self, params: dict) -> list[dict]:
        chat_id = self._chat_id(params)
        if chat_id > 0:
            raise ApiError(400, "Bad Request: there are no administrators in the private chat")
        return [self._admin_member(uid) for uid in sorted(self._admins.get(chat_id, ()))]

    # -- helpers

    def _parse_text(
        self, text: Any, parse_mode: Any, entities: Any
    ) -> tuple[str, list[dict[str, Any]]]:
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if parse_mode:
            mode = _PARSE_MODES.get(str(parse_mode).lower())
            if mode is None:
                raise ApiError(400, f"Bad Request: unsupported parse_mode: {parse_mode}")
            if mode == "HTML":
                try:
                    text, found = _parse_html_cached(text)
                except EntityParseError as exc:
                    raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
                if not text.strip():
                    raise ApiError(400, "Bad Request: message text is empty")
                entities = found
            # Markdown modes are passed through unchecked.
        if utf16_len(text) > MAX_TEXT_UTF16:
            raise ApiError(400, "Bad Request: message is too long")
        # Telegram keeps the first 100 formatting entities and ignores the rest.
        return text, list(entities or [])[:MAX_ENTITIES]

    @staticmethod
    def _decorate(message: dict, entities: list[dict], params: dict) -> None:
        if entities:
            message["entities"] = entities
        if isinstance(params.get("reply_markup"), dict) and params["reply_markup"].get(
            "inline_keyboard"
        ):
            message["reply_markup"] = params["reply_markup"]
        if isinstance(params.get("link_preview_options"), dict):
            message["link_preview_options"] = params["link_preview_options"]

    async def _record(self, method: str, chat_id: int, message: dict, params: dict) -> None:
        now = time.monotonic()
        c = self.counters
        if method == "sendMessage":
            c.sent += 1
        else:
            c.edited += 1
        if c.first_ts is None:
            c.first_ts = now
        c.last_ts = now
        window = c.window
        window.append(now)
        while now - window[0] > 1.0:
            window.popleft()
        c.max_per_second = max(c.max_per_second, len(window))
        last = c.chat_last_ts.get(chat_id)
        if last is not None:
            gap = now - last
            if c.min_chat_gap is None or gap < c.min_chat_gap:
                c.min_chat_gap = gap
            if gap < 1.0:
                c.chat_gaps_under_1s += 1
        c.chat_last_ts[chat_id] = now
        if not self.record:
            return
        self._messages[(chat_id, message["message_id"])] = message
        sent = SentMessage(
            method=method,
            chat_id=chat_id,
            message_id=message["message_id"],
            text=params.get("text", message.get("text", "")),
            parse_mode=params.get("parse_mode"),
            reply_markup=params.get("reply_markup") or None,
            link_preview_options=params.get("link_preview_options"),
            disable_web_page_preview=params.get("disable_web_page_preview"),
            ts=now,
            plain_text=message.get("text", ""),
        )
        self.sent.append(sent)
        self._by_chat.setdefault(chat_id, []).append(sent)
        self._message_event.set()
        if self.on_message is not None:
            try:
                result = self.on_message(sent)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                _LOGGER.exception("on_message hook failed")

    def _existing_message(self, chat_id: int, message_id: int) -> dict | None:
        """The stored message; raises "not found" when recording and the bot never sent it."""
        old = self._messages.get((chat_id, message_id))
        if old is None and self.record:
            raise ApiError(400, "Bad Request: message to edit not found")
        return old

    @staticmethod
    def _chat_id(params: dict) -> int:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        return chat_id

    def _new_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 0) + 1
        self._next_message_id[chat_id] = message_id
        return message_id

    def _chat(self, chat_id: int) -> dict:
        chat = self._chats.get(chat_id)
        if chat is None:
            if chat_id > 0:
                chat = {"id": chat_id, "type": "private", "first_name": "Tester"}
            elif str(chat_id).startswith("-100"):
                chat = {"id": chat_id, "type": "supergroup", "title": f"Chat {chat_id}"}
            else:
                chat = {"id": chat_id, "type": "group", "title": f"Chat {chat_id}"}
            self._chats[chat_id] = chat
        return chat

    def _bot_user(self) -> dict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Digest Test Bot",
            "username": self.username,
        }

    def _user(self, chat_id: int, user_id: int | None, chat_type: str, first_name: str) -> dict:
        if user_id is None:
            user_id = chat_id if chat_type == "private" else DEFAULT_GROUP_USER_ID
        user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}
        self._users[user_id] = user
        return user

    def _known_user(self, user_id: int) -> dict:
        if user_id == self.bot_id:
            return self._bot_user()
        return self._users.get(
            user_id, {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        )

    def _admin_member(self, user_id: int) -> dict:
        return {
            "status": "administrator",
            "user": self._known_user(user_id),
            "can_be_edited": False,
            "is_anonymous": False,
            **dict.fromkeys(_ADMIN_RIGHTS, True),
        }

    # -- webhook delivery

    def _queue_for_webhook(self, update: dict) -> None:
        if self._webhook_queue is None:
            self._webhook_queue = asyncio.Queue()
        self._webhook_queue.put_nowait(update)
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.get_running_loop().create_task(self._deliver_webhooks())

    async def flush_webhook(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until every queued update was posted to the webhook (or given up on)."""
        if self._webhook_queue is not None:
            await asyncio.wait_for(self._webhook_queue.join(), timeout)

    async def _deliver_webhooks(self) -> None:
        assert self._webhook_queue is not None
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        while True:
            update = await self._webhook_queue.get()
            try:
                await self._post_update(update)
            finally:
                self._webhook_queue.task_done()

    async def _post_update(self, update: dict) -> None:
        hook = self.webhook
        if hook is None:  # deleted meanwhile: back to getUpdates
            self._updates.append(update)
            self._wake_pollers()
            return
        headers = {}
        if hook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook["secret_token"]
        error = ""
        for attempt in range(max(self.webhook_attempts, 1)):
            try:
                assert self._session is not None
                async with self._session.post(hook["url"], json=update, headers=headers) as resp:
                    if resp.status < 300:
                        return
                    error = f"HTTP {resp.status}"
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                error = repr(exc)
            if attempt + 1 < self.webhook_attempts:
                await asyncio.sleep(0.05 * 2**attempt)
        self.webhook_errors.append(f"update {update['update_id']} to {hook['url']}: {error}")


def _update_type(update: dict) -> str:
    return next((key for key in update if key != "update_id"), "")


def _error_response(status: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after:
        body["parameters"] = {"retry_after": retry_after}
    return web.Response(
        status=status, body=json.dumps(body).encode(), content_type="application/json"
    )


async def _read_params(request: web.Request) -> dict[str, Any]:
    """The method's parameters from the query string and a form, multipart or JSON body."""
    raw: dict[str, Any] = dict(request.query) if request.query_string else {}
    if request.can_read_body:
        ctype = request.content_type
        if ctype == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                raw.update(body)
        elif ctype == "multipart/form-data":
            form = await request.post()
            raw.update((k, v) for k, v in form.items() if isinstance(v, str))
        else:
            text = (await request.read()).decode("utf-8")
            raw.update(parse_qsl(text, keep_blank_values=True))
    return {key: _decode_value(key, value) for key, value in raw.items()}


def _decode_value(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    # Only structured values are JSON: a text "123" stays the string "123".
    if value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if key in _INT_PARAMS:
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return value
    if key in _BOOL_PARAMS and value in ("true", "false"):
        return value == "true"
    return value


# --- standalone -----------------------------------------------------------------------------


async def _serve(args: argparse.Namespace) -> None:
    api = LocalBotApi(
        token=args.token,
        username=args.username,
        host=args.host,
        port=args.port,
        record=not args.quiet_record,
    )
    if args.fail_rate:
        api.fail_randomly(
            args.fail_rate, args.fail_status, retry_after=args.retry_after, seed=args.seed
        )
    await api.start()
    print(api.base_url, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await api.stop()
        print(json.dumps(api.stats()), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.local_api",
        description="A local Telegram Bot API stand-in; prints its base URL, stops on SIGTERM.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default="123456:LOCAL-TEST-TOKEN")
    parser.add_argument("--username", default="digest_test_bot")
    parser.add_argument(
        "--quiet-record",
        "--quiet",
        action="store_true",
        help="keep counters only, not every message (for 100k-message benchmarks)",
    )
    parser.add_argument("--fail-rate", type=float, default=0.0, help="fraction of sends that fail")
    parser.add_argument("--fail-status", type=int, default=429)
    parser.add_argument("--retry-after", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
