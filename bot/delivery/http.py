"""A lean HTTP/1.1 client for the bulk sends: POSTs over a pool of kept-alive connections.

The fan-out makes one request per message, hundreds in flight. aiohttp's client costs
~0.15-0.25 CPU ms per request here (request and response objects, a writer task, header
multidicts, cookie and redirect handling the Bot API never needs); this client is one
asyncio.Protocol per connection that writes the request in one call and parses the
answer's status line, Content-Length or chunked body in place: ~0.03 ms.

- A connection carries one request at a time (no pipelining); idle ones are reused,
  newest first, and dropped after IDLE_SECONDS. At most `connections` are open; more
  requests wait for one to come back.
- Timeouts: one sweep every TICK seconds (no timer per request). A request unanswered
  after `timeout` raises `Late` to its caller, whose `answer` future goes on waiting for
  the answer until `answer_wait` (the message may be on its way: the caller may want to
  know); then the connection is aborted and the answer fails with TimeoutError.
- Errors are OSError subclasses (TimeoutError for a timeout, ConnectionError when the
  server closed the connection before answering in full); the caller maps them. Their
  text names the host and port, never the URL's path (which may hold a token).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections import deque
from urllib.parse import urlsplit

__all__ = ["HttpPool", "InvalidUrl", "Late"]

IDLE_SECONDS = 30.0  # an idle connection older than this is closed, not reused
TICK = 0.25  # seconds between two timeout sweeps
MAX_HEADER = 64 * 1024


class InvalidUrl(ValueError):
    """The base URL cannot be used (bad scheme, host or port)."""


class Late(Exception):
    """No answer within the timeout; `answer` gets it (status, body) or fails (OSError)
    within `wait` seconds more."""

    def __init__(self, answer: asyncio.Future[tuple[int, bytes]], wait: float) -> None:
        super().__init__()
        self.answer = answer
        self.wait = wait


def _retrieve(future: asyncio.Future[tuple[int, bytes]]) -> None:
    """Nobody may ask a late answer: no "exception was never retrieved"."""
    if not future.cancelled():
        future.exception()


class _Connection(asyncio.Protocol):
    """One kept-alive connection; `request` returns (status, body)."""

    def __init__(self, pool: HttpPool) -> None:
        self.pool = pool
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None  # the caller's
        self.answer: asyncio.Future[tuple[int, bytes]] | None = None  # once it is late
        self.started = 0.0  # when the request in progress was written
        self.idle_since = 0.0
        self.reusable = True
        self.counted = True  # in the pool's count of open connections
        self._buffer = bytearray()
        self._status = 0
        self._length: int | None = None  # body bytes expected; None: chunked or to close
        self._chunked = False
        self._head_done = False

    # --- asyncio.Protocol ------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    @property
    def busy(self) -> bool:
        return self.waiter is not None or self.answer is not None

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if not self.busy:  # nothing asked: the server talks out of turn
            self.reusable = False
            return
        try:
            self._parse()
        except ValueError as exc:
            self.fail(ConnectionError(f"unreadable HTTP answer from {self.pool.where}: {exc}"))

    def eof_received(self) -> bool | None:
        # A body delimited by the end of the connection.
        if (
            self.waiter is not None
            and self._head_done
            and self._length is None
            and not self._chunked
        ):
            self._finish(bytes(self._buffer))
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.reusable = False
        self.pool._forget(self)
        self.fail(ConnectionError(f"{self.pool.where} closed the connection"))

    # --- one request -------------------------------------------------------------------

    def request(self, data: bytes) -> asyncio.Future[tuple[int, bytes]]:
        assert self.transport is not None
        self.waiter = self.pool.loop.create_future()
        self.started = time.monotonic()
        self._buffer.clear()
        self._status, self._length, self._chunked, self._head_done = 0, None, False, False
        self.transport.write(data)
        return self.waiter

    def late(self, wait: float) -> None:
        """No answer yet: the caller is told (Late); the answer is still awaited."""
        if self.waiter is not None and not self.waiter.done() and self.answer is None:
            self.answer = self.pool.loop.create_future()
            self.answer.add_done_callback(_retrieve)
            self.waiter.set_exception(Late(self.answer, wait))

    def fail(self, exc: BaseException) -> None:
        self.reusable = False
        futures, self.waiter, self.answer = (self.waiter, self.answer), None, None
        for future in futures:
            if future is not None and not future.done():
                future.set_exception(exc)
        if self.transport is not None:
            self.transport.abort()
        self.pool._finished(self)

    def _finish(self, body: bytes) -> None:
        futures, self.waiter, self.answer = (self.waiter, self.answer), None, None
        self._buffer.clear()
        for future in futures:
            if future is not None and not future.done():
                future.set_result((self._status, body))
        self.pool._finished(self)

    def _parse(self) -> None:
        buffer = self._buffer
        if not self._head_done:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > MAX_HEADER:
                    raise ValueError("header too long")
                return
            self._read_head(bytes(buffer[:end]).decode("latin-1"))
            del buffer[: end + 4]
        if self._chunked:
            body = _dechunk(buffer)
            if body is not None:
                self._finish(body)
        elif self._length is not None and len(buffer) >= self._length:
            self._finish(bytes(buffer[: self._length]))

    def _read_head(self, head: str) -> None:
        lines = head.split("\r\n")
        version, _, rest = lines[0].partition(" ")
        if not version.startswith("HTTP/1."):
            raise ValueError("not HTTP/1.x")
        self._status = int(rest[:3])
        keep_alive = version == "HTTP/1.1"
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                self._length = int(value)
            elif name == "transfer-encoding":
                self._chunked = "chunked" in value
            elif name == "connection":
                keep_alive = "close" not in value and (keep_alive or "keep-alive" in value)
        if self._chunked:
            self._length = None
        if not keep_alive or (self._length is None and not self._chunked):
            self.reusable = False
        self._head_done = True


def _dechunk(buffer: bytearray) -> bytes | None:
    """The body of a complete chunked message in `buffer`; None while it is incomplete."""
    body = bytearray()
    at = 0
    while True:
        end = buffer.find(b"\r\n", at)
        if end < 0:
            return None
        size = int(bytes(buffer[at:end]).split(b";")[0], 16)
        at = end + 2
        if size == 0:  # trailers, then an empty line
            return bytes(body) if buffer.find(b"\r\n", at) >= 0 else None
        if len(buffer) < at + size + 2:
            return None
        body += buffer[at : at + size]
        at += size + 2


class HttpPool:
    """POSTs to one server (`base_url`'s scheme, host and port) over kept-alive connections."""

    def __init__(
        self,
        base_url: str,
        *,
        connections: int,
        timeout: float,
        headers: dict[str, str],
        answer_wait: float | None = None,
    ) -> None:
        self.connections = connections
        self.timeout = timeout
        self.answer_wait = max(timeout, answer_wait or timeout)
        self._tick = min(TICK, timeout / 2)
        self._error: str | None = None
        self.host, self.port, self._ssl = "", 0, False
        try:
            parts = urlsplit(base_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise InvalidUrl("the Bot API URL must be http(s)://host[:port]/...")
            self._ssl = parts.scheme == "https"
            self.host = parts.hostname
            self.port = parts.port or (443 if self._ssl else 80)
        except ValueError as exc:
            self._error = f"invalid Bot API URL ({type(exc).__name__})"
        host = self.host if ":" not in self.host else f"[{self.host}]"
        lines = [f"Host: {host}:{self.port}", *(f"{k}: {v}" for k, v in headers.items())]
        self._head = ("\r\n".join(lines) + "\r\nContent-Length: ").encode("latin-1")
        self.where = f"{host}:{self.port}"
        self._idle: deque[_Connection] = deque()
        self._open = 0
        self._busy: set[_Connection] = set()
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._sweeper: asyncio.Task[None] | None = None
        self._ssl_context: ssl.SSLContext | None = None
        self._closed = False

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        """POST `body` to `path`: (status, answer body). Raises Late when the answer takes
        over `timeout`, OSError (TimeoutError when there is none at all), or InvalidUrl."""
        if self._error is not None:
            raise InvalidUrl(self._error)
        conn = await self._take()
        data = b"POST %s HTTP/1.1\r\n%s%d\r\n\r\n%s" % (path.encode(), self._head, len(body), body)
        self._busy.add(conn)
        waiter = conn.request(data)
        try:
            return await waiter
        except asyncio.CancelledError:
            if conn.waiter is waiter:  # the exchange is cut short: the connection goes
                conn.fail(ConnectionError("the request was cancelled"))
            raise

    async def close(self) -> None:
        self._closed = True
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        for conn in [*self._idle, *self._busy]:
            if conn.transport is not None:
                conn.transport.close()
        self._idle.clear()
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_exception(ConnectionError("the HTTP pool was closed"))

    # --- the pool -----------------------------------------------------------------------

    async def _take(self) -> _Connection:
        while True:
            now = time.monotonic()
            while self._idle:
                conn = self._idle.pop()  # the newest: the oldest ones age out
                if conn.reusable and now - conn.idle_since < IDLE_SECONDS:
                    return conn
                self._drop(conn)
            if self._open < self.connections:
                return await self._connect()
            waiter = self.loop.create_future()
            self._waiting.append(waiter)
            await waiter

    async def _connect(self) -> _Connection:
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = self.loop.create_task(self._sweep(), name="http-timeouts")
        self._open += 1
        try:
            context = None
            if self._ssl:
                if self._ssl_context is None:
                    self._ssl_context = ssl.create_default_context()
                context = self._ssl_context
            async with asyncio.timeout(self.timeout):
                _, conn = await self.loop.create_connection(
                    lambda: _Connection(self), self.host, self.port, ssl=context
                )
        except BaseException:
            self._open -= 1
            self._wake_one()
            raise
        return conn

    def _finished(self, conn: _Connection) -> None:
        """The connection's exchange is over (answered or failed)."""
        if conn in self._busy:
            self._busy.discard(conn)
            self._give_back(conn)

    def _give_back(self, conn: _Connection) -> None:
        if conn.reusable and not self._closed and not conn.busy:
            conn.idle_since = time.monotonic()
            self._idle.append(conn)
            self._wake_one()
        else:
            self._drop(conn)

    def _drop(self, conn: _Connection) -> None:
        conn.reusable = False
        if conn.transport is not None:
            conn.transport.abort()  # connection_lost() follows
        self._forget(conn)

    def _forget(self, conn: _Connection) -> None:
        if conn.counted:
            conn.counted = False
            self._open -= 1
            self._wake_one()

    def _wake_one(self) -> None:
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def _sweep(self) -> None:
        """Tell callers their answer is late, abort requests past answer_wait (one sweep
        every TICK seconds)."""
        while not self._closed:
            await asyncio.sleep(self._tick)
            now = time.monotonic()
            for conn in [c for c in self._busy if c.busy]:
                if now - conn.started >= self.answer_wait:
                    conn.fail(TimeoutError(f"no answer from {self.where} in"
                                           f" {self.answer_wait:g} s"))  # fmt: skip
                elif now - conn.started >= self.timeout:
                    conn.late(self.answer_wait - (now - conn.started))
