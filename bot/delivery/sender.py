"""sendMessage for the delivery engine's bulk sends: lean on the wire, PTB's verdict on errors.

PTB's `bot.send_message` costs ~7 CPU ms per message on this machine (form encoding,
httpcore's pool bookkeeping, a telegram.Message built from every answer), and even
`bot.do_api_request` over aiohttp ~0.3 ms (PTB's RequestData JSON-encodes each parameter
apart, then the whole; aiohttp's request machinery; the answer decoded by the json module).
A fan-out at 1,000 messages/s needs none of that. So:
- the body is the Bot API's JSON (orjson: one call, UTF-8 as it is), POSTed over a pool
  of kept-alive connections (http.py: one asyncio.Protocol per connection);
- an answer 200 with `"ok": true` gives its `result.message_id` (orjson again);
- ANY other answer (an error status, an unreadable body) is handed to PTB as it came:
  `Bot.do_api_request` over `_Replay`, a `telegram.request.BaseRequest` that gives back
  the answer already received instead of posting again. So PTB decides the exception
  from the status and the body, exactly as for its own requests (tests/test_sender.py
  compares both side by side). Nothing here copies PTB's private code.
Measured (bench/fanout.py --only cpu, 1,000 msg/s, 100 ms round trips): see the commit.

Every send goes through the Application's rate limiter instance (SEND_RATE, per-chat and
group limits, interactive-first priority, RetryAfter handling) as a BULK request. The
token is never logged and never appears in an exception or its chain. `rtt` is a moving
average of the Bot API's answer time (the HTTP exchange only, not the limiter's wait).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import re
import time
import warnings
from typing import Any
from urllib.parse import urlsplit

import orjson
from telegram import Bot
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.ext import BaseRateLimiter
from telegram.request import BaseRequest, RequestData
from telegram.warnings import PTBUserWarning

from bot.delivery.http import HttpPool, InvalidUrl, Late
from bot.delivery.ratelimit import BULK, SendRateLimiter

__all__ = ["BulkSender", "LateAnswer", "message_id_of"]

ENDPOINT = "sendMessage"
RTT_WEIGHT = 0.05  # weight of each new sample in the moving average of the round trip
# A send unanswered after `timeout` (20 s) frees its slot, but its answer is awaited this
# long before the part may be sent again: Telegram's answer can come late (25 s seen).
ANSWER_WAIT = 90.0
_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]{6,}")
USER_AGENT = "digest-bot (bulk sender)"

# do_api_request warns "Please use 'Bot.sendMessage'" on each call: it is meant for methods
# PTB lacks. We use it on purpose, for PTB's reading of an answer that was not a success.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage'", category=PTBUserWarning)

# The answer `_Replay` gives back: set by the task that received it (a context variable,
# so concurrent sends never see each other's).
_ANSWER: contextvars.ContextVar[tuple[int, bytes]] = contextvars.ContextVar("answer")


class _Replay(BaseRequest):
    """A BaseRequest that posts nothing: it returns the answer already received (_ANSWER),
    so that PTB's own code turns it into a result or an exception."""

    @property
    def read_timeout(self) -> float | None:
        return None

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """As PTB's, without its traceback in the log for each unreadable answer: during an
        outage (a broken front end) that would be one per send; health.py logs it once."""
        try:
            data: dict[str, Any] = orjson.loads(payload)
        except ValueError:
            raise TelegramError("Invalid server response") from None
        return data

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        return _ANSWER.get()


class LateAnswer(TimedOut):
    """No answer within the timeout. `answer` still waits for it, for `wait` seconds more:
    (status, body), or TimedOut / NetworkError. Retrieve it or cancel it."""

    def __init__(self, answer: asyncio.Future[tuple[int, bytes]], wait: float) -> None:
        super().__init__()
        self.answer = answer
        self.wait = wait


def _late_answer(late: Late, where: str) -> LateAnswer:
    """The pool's Late as PTB's kind of error: its answer fails with TimedOut or
    NetworkError, not OSError."""
    answer: asyncio.Future[tuple[int, bytes]] = asyncio.get_running_loop().create_future()

    def relay(future: asyncio.Future[tuple[int, bytes]]) -> None:
        if answer.done():
            return
        if future.cancelled():
            answer.cancel()
        elif (exc := future.exception()) is not None:
            error = TimedOut() if isinstance(exc, TimeoutError) else NetworkError(
                _describe(exc, where))  # fmt: skip
            answer.set_exception(error)
        else:
            answer.set_result(future.result())

    late.answer.add_done_callback(relay)
    answer.add_done_callback(lambda f: None if f.cancelled() else f.exception())
    return LateAnswer(answer, late.wait)


def message_id_of(status: int, payload: bytes) -> int | None:
    """The message_id of a sendMessage answer; None when it says it was not sent."""
    return _message_id(payload) if status == 200 else None


def _describe(exc: BaseException, where: str) -> str:
    """The error's class and text, with anything like a token taken out."""
    text = _TOKEN.sub("<token>", str(exc))
    name = type(exc).__name__
    return f"{name} ({where}): {text}" if text else f"{name} ({where})"


class BulkSender:
    """sendMessage through `Bot.do_api_request`; `send_message` returns the message_id."""

    def __init__(
        self,
        *,
        token: str,
        base_url: str,
        rate_limiter: BaseRateLimiter | None,
        connections: int = 1000,
        timeout: float = 20.0,
        answer_wait: float = ANSWER_WAIT,
    ) -> None:
        # base_url as PTB reads it: "{token}" in it is replaced, otherwise the token appended.
        replay = _Replay()
        self._bot = Bot(token, base_url=base_url, request=replay, get_updates_request=replay)
        url = f"{self._bot.base_url}/{ENDPOINT}"
        self._path = "/"
        with contextlib.suppress(ValueError):  # the pool reports a bad URL at each send
            parts = urlsplit(url)
            self._path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {"User-Agent": USER_AGENT, "Content-Type": "application/json"}
        self.http = HttpPool(url, connections=connections, timeout=timeout, headers=headers,
                             answer_wait=answer_wait)  # fmt: skip
        self.rtt: float | None = None  # moving average of the answer time, seconds
        self.posts = 0  # HTTP requests made (tests, bench)
        self.limiter = rate_limiter
        # Only our limiter knows what BULK means (AIORateLimiter takes an int there).
        self._limit_args = BULK if isinstance(rate_limiter, SendRateLimiter) else None

    @classmethod
    def for_bot(cls, bot: Bot, **options: Any) -> BulkSender:
        """A sender to the same Bot API server as `bot`, sharing its rate limiter."""
        return cls(
            token=bot.token,
            base_url=bot.base_url.replace(bot.token, "{token}"),
            rate_limiter=getattr(bot, "rate_limiter", None),
            **options,
        )

    async def start(self) -> None:
        """Nothing to open: connections are made on first use."""

    async def close(self) -> None:
        await self.http.close()

    async def __aenter__(self) -> BulkSender:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def send_message(
        self,
        chat_id: int,
        text: str,
        *,
        parse_mode: str | None,
        previews: bool,
        thread_id: int | None = None,
        reply_markup: str | None = None,
    ) -> int:
        """Send one message (into forum topic `thread_id`, if given); Telegram's
        message_id. Raises PTB's TelegramError subclasses."""
        kwargs: dict[str, Any] = {
            "chat_id": chat_id,
            "text": text,
            "link_preview_options": {"is_disabled": not previews},
        }
        if thread_id:
            kwargs["message_thread_id"] = thread_id
        if reply_markup:  # JSON, as Telegram reads it (the "Show N more" button)
            kwargs["reply_markup"] = reply_markup
        if parse_mode:
            kwargs["parse_mode"] = parse_mode
        result: Any
        if self.limiter is None:
            result = await self._post(kwargs)
        else:
            result = await self.limiter.process_request(
                self._post, (kwargs,), {}, ENDPOINT, kwargs, self._limit_args
            )
        try:
            return int(result["message_id"])
        except (TypeError, KeyError, ValueError):
            raise TelegramError("Invalid server response") from None

    async def _post(self, kwargs: dict[str, Any]) -> dict[str, int]:
        """{"message_id": ...} of the sent message (the limiter's callback)."""
        body = orjson.dumps(kwargs)
        self.posts += 1
        started = time.monotonic()
        # Errors are raised outside the handlers so that no cause or context (whose text
        # may hold the URL, and so the token) is chained to them.
        error: TelegramError | None = None
        try:
            status, payload = await self.http.post(self._path, body)
        except Late as late:  # the message may be on its way (engine.py: a late answer)
            error = _late_answer(late, self.http.where)
        except TimeoutError:
            error = TimedOut()
        except InvalidUrl as exc:
            error = NetworkError(str(exc))
        except OSError as exc:
            error = NetworkError(_describe(exc, self.http.where))
        if error is not None:
            raise error
        sample = time.monotonic() - started
        self.rtt = sample if self.rtt is None else self.rtt + RTT_WEIGHT * (sample - self.rtt)
        message_id = _message_id(payload) if status == 200 else None
        if message_id is None:  # PTB's reading of it: raises what PTB raises
            _ANSWER.set((status, payload))
            result = await self._bot.do_api_request(ENDPOINT, api_kwargs=kwargs, return_type=None)
            try:
                message_id = int(result["message_id"])
            except (TypeError, KeyError, ValueError):
                raise TelegramError("Invalid server response") from None
        return {"message_id": message_id}


# How a successful answer starts: Telegram's compact JSON, or spaced (json.dumps' default).
_SUCCESS_HEADS = (b'{"ok":true,"result":{"message_id":', b'{"ok": true, "result": {"message_id": ')


def _message_id(payload: bytes) -> int | None:
    """result.message_id of a successful answer; None when it is not one. Answers start
    with `{"ok":true,"result":{"message_id":N,`: the id is read from there without
    decoding the whole message; any other layout is decoded."""
    for head in _SUCCESS_HEADS:
        if payload.startswith(head):
            start = len(head)
            end = payload.find(b",", start, start + 24)
            if end > start and payload[start:end].isdigit():
                return int(payload[start:end])
    try:
        answer = orjson.loads(payload)
        if answer.get("ok") is True:
            return int(answer["result"]["message_id"])
    except (orjson.JSONDecodeError, AttributeError, TypeError, KeyError, ValueError):
        pass
    return None
