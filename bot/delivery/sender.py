"""A lean sendMessage for the delivery engine's bulk sends (nothing else uses it).

PTB's `bot.send_message` costs ~7 CPU ms per message on this machine: form-encoding a
3-4 kB text character by character, httpcore's pool bookkeeping, and a full
telegram.Message built from every reply. A fan-out needs none of that: this posts a JSON
body with aiohttp (kept-alive connections) and reads only `result.message_id`.

What stays the same as PTB:
- every send goes through the same rate limiter instance as the Application's requests
  (SEND_RATE, per-chat and group limits, interactive-first priority, RetryAfter pauses);
- errors are PTB's own exception classes, decided as telegram/request/_baserequest.py
  decides them (same classes, same `.message`), so the engine's handling is unchanged;
- the token is never logged and never appears in an exception message.
"""

from __future__ import annotations

import functools
import json
import re
from http import HTTPStatus

import aiohttp
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import BaseRateLimiter

from bot.delivery.ratelimit import BULK, SendRateLimiter

__all__ = ["BulkSender"]

ENDPOINT = "sendMessage"
_HEADERS = {"Content-Type": "application/json"}
# Telegram's answer starts {"ok":true,"result":{"message_id":N,...: read N without decoding
# the echoed text and entities (json.loads of a 13 kB answer: ~80 us; this: ~1 us).
_MESSAGE_ID = re.compile(
    rb'\{\s*"ok"\s*:\s*true\s*,\s*"result"\s*:\s*\{\s*"message_id"\s*:\s*(\d+)\s*[,}]'
)


@functools.lru_cache(maxsize=256)
def _json_text(text: str) -> bytes:
    """A text as a JSON string; a fan-out sends each rendered part to many chats."""
    return json.dumps(text).encode()


def _message_id(payload: bytes) -> int:
    """result.message_id of a successful answer (PTB: TelegramError when it is not JSON)."""
    match = _MESSAGE_ID.match(payload)
    if match is not None:
        return int(match.group(1))
    try:
        return int(json.loads(payload)["result"]["message_id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise TelegramError("Invalid server response") from exc


class BulkSender:
    """sendMessage over one aiohttp session; `send_message` returns Telegram's message_id."""

    def __init__(
        self,
        *,
        token: str,
        base_url: str,
        rate_limiter: BaseRateLimiter | None,
        connections: int = 32,
        timeout: float = 20.0,
    ) -> None:
        self._token = token
        # As PTB: "{token}" in base_url is replaced, otherwise the token is appended.
        root = base_url.format(token=token) if "{token}" in base_url else base_url + token
        self._url = f"{root}/{ENDPOINT}"
        self._limiter = rate_limiter
        # Only our limiter knows what BULK means (AIORateLimiter takes an int there).
        self._limit_args = BULK if isinstance(rate_limiter, SendRateLimiter) else None
        self._connections = connections
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        self.posts = 0  # HTTP requests made (tests, bench)

    async def start(self) -> None:
        """Open the session (send_message also opens it on first use)."""
        self._open()

    async def close(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def __aenter__(self) -> BulkSender:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._connections, keepalive_timeout=60.0, ttl_dns_cache=300
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self._timeout,
                headers={"User-Agent": "digest-bot"},
            )
        return self._session

    async def send_message(
        self, chat_id: int, text: str, *, parse_mode: str | None, previews: bool
    ) -> int:
        """Send one message; Telegram's message_id. Raises PTB's TelegramError subclasses."""
        mode = b',"parse_mode":' + json.dumps(parse_mode).encode() if parse_mode else b""
        body = b'{"chat_id":%s,"text":%s%s,"link_preview_options":{"is_disabled":%s}}' % (
            json.dumps(chat_id).encode(),
            _json_text(text),
            mode,
            b"false" if previews else b"true",
        )
        if self._limiter is None:
            return await self._post(body)
        data = {"chat_id": chat_id, "text": text, "parse_mode": parse_mode}  # what limiters read
        return await self._limiter.process_request(  # type: ignore[return-value]
            self._post, (body,), {}, ENDPOINT, data, self._limit_args
        )

    async def _post(self, body: bytes) -> int:
        session = self._open()
        self.posts += 1
        # The errors are raised outside the handlers so that no cause or context (whose
        # text may hold the URL, and so the token) is chained to them.
        error: TelegramError | None = None
        try:
            async with session.post(self._url, data=body, headers=_HEADERS) as response:
                status = response.status
                payload = await response.read()
        except TimeoutError:  # aiohttp's timeouts subclass it
            error = TimedOut()
        except (aiohttp.ClientError, OSError) as exc:
            error = NetworkError(self._describe(exc))
        except Exception as exc:  # as PTB wraps whatever its HTTP library raises
            error = NetworkError(f"Unknown error in HTTP implementation: {self._describe(exc)}")
        if error is not None:
            raise error
        if 200 <= status <= 299:
            return _message_id(payload)
        raise _error(status, payload)

    def _describe(self, exc: BaseException) -> str:
        """The error's class and text, with the URL and token taken out."""
        text = str(exc).replace(self._url, "<Bot API URL>").replace(self._token, "<token>")
        return f"aiohttp.{type(exc).__name__}: {text}" if text else f"aiohttp.{type(exc).__name__}"


def _error(status: int, payload: bytes) -> TelegramError:
    """The exception PTB raises for a non-2xx answer (BaseRequest._request_wrapper)."""
    try:
        message = f"{HTTPStatus(status).phrase} ({status})"
    except ValueError:
        message = f"Unknown HTTPError ({status})"
    parsing_failed = False
    try:
        reply = json.loads(payload.decode("utf-8", "replace"))
        if not isinstance(reply, dict):
            raise ValueError("not an object")
    except ValueError:
        message += f". Parsing the server response {payload!r} failed"
        parsing_failed = True
    else:
        message = reply.get("description") or message
        parameters = reply.get("parameters")
        if parameters:
            migrate_to_chat_id = parameters.get("migrate_to_chat_id")
            if migrate_to_chat_id:
                return ChatMigrated(migrate_to_chat_id)
            retry_after = parameters.get("retry_after")
            if retry_after:
                return RetryAfter(retry_after)
            message += f". The server response contained unknown parameters: {parameters}"

    if status == HTTPStatus.FORBIDDEN:
        exception: TelegramError = Forbidden(message)
    elif status in (HTTPStatus.NOT_FOUND, HTTPStatus.UNAUTHORIZED):
        exception = InvalidToken(message)
    elif status == HTTPStatus.BAD_REQUEST:
        exception = BadRequest(message)
    elif status == HTTPStatus.CONFLICT:
        exception = Conflict(message)
    else:  # 502 and every other status
        exception = NetworkError(message)
    if parsing_failed:
        exception.__cause__ = TelegramError("Invalid server response")
    return exception
