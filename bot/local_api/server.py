"""LocalBotApi: the stand-in's aiohttp server, and the Python API tests drive it with.

It speaks the same HTTP as api.telegram.org (POST `/bot<token>/<method>`, form-encoded,
JSON, or multipart bodies; `{"ok": ..., "result" | "error_code", "description"}` answers
with real HTTP status codes), so the real python-telegram-bot client runs against it
unchanged. The "user side" is a Python API: users write, post in channels, press buttons and
type inline queries; a test sets memberships, forum topics and faults, and reads back what
the bot sent.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiohttp import web

from bot.local_api.chats import ChatMethods
from bot.local_api.control import add_control_routes
from bot.local_api.errors import ApiError
from bot.local_api.faults import Faults
from bot.local_api.inline import InlineMethods
from bot.local_api.messages import MessageMethods
from bot.local_api.params import read_params
from bot.local_api.records import Counters, InlineAnswer, Recorder, SentMessage
from bot.local_api.state import State
from bot.local_api.updates import UpdateQueue
from bot.local_api.user_side import UserSide
from bot.local_api.webhook import WebhookDelivery

__all__ = ["LocalBotApi"]

# Methods that answer only after `latency`: the ones whose round trip a sender waits for.
_DELAYED_PREFIXES = ("send", "edit", "answer")


class LocalBotApi:
    """An in-process Bot API server on 127.0.0.1 (port 0 picks a free port).

    `record=False` keeps counters only (benchmarks with 100k messages). `latency` (seconds)
    delays every send*/edit*/answer* answer as a network round trip would, half before the
    call is handled and half after, without blocking other requests.
    """

    def __init__(
        self,
        *,
        token: str = "123456:LOCAL-TEST-TOKEN",
        username: str = "digest_test_bot",
        host: str = "127.0.0.1",
        port: int = 0,
        record: bool = True,
        latency: float = 0.0,
        supports_inline_queries: bool = True,
    ) -> None:
        bot_id, _, _ = token.partition(":")
        if not bot_id.isdigit():
            raise ValueError(f"a bot token starts with the bot's numeric id: {token[:12]!r}...")
        self.token = token
        self.username = username
        self.bot_id = int(bot_id)
        self.host = host
        self.port = port
        self.latency = latency
        self.base_url = ""

        self.state = State(self.bot_id, username)
        self.recorder = Recorder(record)
        self.faults = Faults()
        self.updates = UpdateQueue()
        self.webhooks = WebhookDelivery(self.updates)
        self.users = UserSide(self.state, self.add_update)
        self._runner: web.AppRunner | None = None

        messages = MessageMethods(self.state, self.recorder)
        chats = ChatMethods(self.state, supports_inline_queries=supports_inline_queries)
        inline = InlineMethods(self.state, self.recorder)
        methods: dict[str, Callable[[dict], Awaitable[Any]]] = {
            **messages.handlers(),
            **chats.handlers(),
            "answerInlineQuery": inline.answer_inline_query,
            "getUpdates": self._get_updates,
            "setWebhook": self.webhooks.set_webhook,
            "deleteWebhook": self.webhooks.delete_webhook,
            "getWebhookInfo": self.webhooks.get_webhook_info,
        }
        # Telegram's method names are case-insensitive.
        self._methods = {name.lower(): handler for name, handler in methods.items()}

    # -- life cycle

    async def start(self) -> None:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        add_control_routes(app, self)
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
        self.updates.closing = True
        self.updates.wake()
        await self.webhooks.close()
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
        chat_type: str | None = None,
        first_name: str | None = None,
        chat_title: str | None = None,
        language_code: str | None = None,
        username: str | None = None,
        message_thread_id: int | None = None,
        reply_to_message_id: int | None = None,
    ) -> int | None:
        """A user writes `text` in a chat; returns the update_id.

        The user is `user_id`, by default the chat itself in a private chat and
        DEFAULT_GROUP_USER_ID elsewhere; None for first_name/language_code keeps what is
        known of the user ("Tester", "en" at first; language_code="" leaves it out).
        chat_type: private, group, supergroup or channel (a channel post); by default the
        chat's known type, else private for a positive id, supergroup for -100..., group.
        `message_thread_id` writes in that forum topic (made a forum and a topic if new).
        Writing to a bot the user blocked unblocks it first (a my_chat_member update); in a
        group the bot left or was kicked from nothing reaches the bot: returns None.
        """
        return self.users.send_user_message(
            chat_id,
            text,
            user_id=user_id,
            chat_type=chat_type,
            first_name=first_name,
            chat_title=chat_title,
            language_code=language_code,
            username=username,
            message_thread_id=message_thread_id,
            reply_to_message_id=reply_to_message_id,
        )

    def post_in_channel(
        self,
        chat_id: int,
        text: str,
        *,
        title: str | None = None,
        username: str | None = None,
        author_signature: str | None = None,
    ) -> int | None:
        """The channel's owner posts `text` (a `channel_post`: `sender_chat` is the channel,
        no `from`; a leading /command gets its bot_command entity). The chat becomes a
        channel. Returns the update_id, or None when the bot is no administrator there
        (Telegram sends channel posts to administrators only)."""
        return self.users.post_in_channel(
            chat_id, text, title=title, username=username, author_signature=author_signature
        )

    def press_button(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
        first_name: str | None = None,
        language_code: str | None = None,
    ) -> int:
        """A user presses an inline button with `data` under the bot's message; an update_id."""
        return self.users.press_button(
            chat_id,
            message_id,
            data,
            user_id=user_id,
            chat_type=chat_type,
            first_name=first_name,
            language_code=language_code,
        )

    def send_inline_query(
        self,
        user_id: int,
        query: str,
        *,
        offset: str = "",
        chat_type: str | None = "sender",
        first_name: str | None = None,
        language_code: str | None = None,
        username: str | None = None,
    ) -> str:
        """A user types `@bot query` (an `inline_query` update); returns the query's id.

        chat_type: "sender", "private", "group", "supergroup", "channel", or None to leave it
        out. Read the answer with `wait_for_inline_answer(query_id)`.
        """
        return self.users.send_inline_query(
            user_id,
            query,
            offset=offset,
            chat_type=chat_type,
            first_name=first_name,
            language_code=language_code,
            username=username,
        )

    def set_bot_member(
        self,
        chat_id: int,
        status: str,
        *,
        by_user_id: int | None = None,
        chat_type: str | None = None,
        title: str | None = None,
        **rights: Any,
    ) -> int | None:
        """The bot's membership in a chat changes (creator/administrator/member/restricted/
        left/kicked; "kicked" in a private chat: the user blocked the bot). An administrator
        has every right unless `rights` says otherwise (e.g. can_post_messages=False).
        Returns the update_id of the `my_chat_member` update, None when nothing changed.
        By default the bot is a member of private chats and groups, and an administrator
        with every right of channels."""
        return self.users.set_bot_member(
            chat_id, status, by_user_id=by_user_id, chat_type=chat_type, title=title, **rights
        )

    def set_chat_member(self, chat_id: int, user_id: int, status: str, **fields: Any) -> int | None:
        """What getChatMember answers for the user in the chat (a user is a member unless
        set). `fields` override ChatMember fields (rights, custom_title, until_date...).
        For the bot itself this is set_bot_member (returns its update_id)."""
        return self.users.set_chat_member(chat_id, user_id, status, **fields)

    def set_chat_admins(self, chat_id: int, user_ids: set[int]) -> None:
        """Exactly these users are the chat's administrators (others become members)."""
        self.users.set_chat_admins(chat_id, user_ids)

    def add_chat(
        self,
        chat_id: int,
        chat_type: str,
        *,
        title: str | None = None,
        username: str | None = None,
        first_name: str | None = None,
        is_forum: bool | None = None,
    ) -> dict:
        """Declare a chat (private, group, supergroup, channel) before it is used; a chat
        with a username can be addressed as "@username"."""
        return self.state.add_chat(
            chat_id,
            chat_type,
            title=title,
            username=username,
            first_name=first_name,
            is_forum=is_forum,
        )

    def create_forum_topic(
        self, chat_id: int, name: str = "Topic", *, title: str | None = None
    ) -> int:
        """A topic is created in a forum supergroup (the chat becomes one); its thread id."""
        return self.users.create_forum_topic(chat_id, name, title=title)

    def delete_forum_topic(self, chat_id: int, message_thread_id: int) -> None:
        """The topic is deleted with its messages; sends to it answer 400 "message thread
        not found"."""
        self.users.delete_forum_topic(chat_id, message_thread_id)

    def add_update(self, update: dict) -> int:
        """Queue a raw update (an update_id is assigned when missing); returns the update_id."""
        update = self.updates.stamp(update)
        if self.webhooks.config is not None:
            self.webhooks.enqueue(update)
        else:
            self.updates.put(update)
        return update["update_id"]

    @property
    def pending_updates(self) -> list[dict]:
        """Updates not yet confirmed by a getUpdates offset."""
        return list(self.updates.pending)

    # -- what the bot did

    @property
    def record(self) -> bool:
        """False: only counters are kept (benchmarks with 100k messages)."""
        return self.recorder.record

    @record.setter
    def record(self, record: bool) -> None:
        self.recorder.record = record

    @property
    def sent(self) -> list[SentMessage]:
        """Every message sent or edited (sendMessage, sendPhoto, editMessage*), in order."""
        return self.recorder.sent

    @property
    def calls(self) -> list[tuple[str, dict]]:
        """(method, params) of every call, failed ones included."""
        return self.recorder.calls

    @property
    def failures(self) -> list[tuple[str, dict, int, str]]:
        """(method, params, status, description) of every call answered with an error."""
        return self.recorder.failures

    @property
    def deleted(self) -> list[tuple[int, int]]:
        """(chat_id, message_id) of every message the bot deleted."""
        return self.recorder.deleted

    @property
    def inline_answers(self) -> list[InlineAnswer]:
        """Every accepted answerInlineQuery, in order."""
        return self.recorder.inline_answers

    @property
    def counters(self) -> Counters:
        return self.recorder.counters

    @property
    def on_message(self) -> Callable[[SentMessage], Awaitable[None] | None] | None:
        """Called with each message sent or edited (may be async)."""
        return self.recorder.on_message

    @on_message.setter
    def on_message(self, hook: Callable[[SentMessage], Awaitable[None] | None] | None) -> None:
        self.recorder.on_message = hook

    @property
    def commands(self) -> list[dict]:
        """The default command list (no scope, no language)."""
        return self.state.commands.for_scope()

    def commands_for(self, scope: dict | str | None = None, language_code: str = "") -> list[dict]:
        """The list set for exactly this scope (a BotCommandScope dict, a type name such as
        "all_private_chats", or None for the default) and language."""
        return self.state.commands.for_scope(scope, language_code)

    def commands_seen_by(
        self, chat_id: int, user_id: int | None = None, language_code: str = ""
    ) -> list[dict]:
        """The list Telegram would show the user in the chat, after its scope fallbacks."""
        state = self.state
        chat_type = state.chat(chat_id)["type"]
        is_admin = user_id is not None and state.is_admin(chat_id, user_id)
        return state.commands.seen_by(chat_id, chat_type, user_id, is_admin, language_code)

    def messages_for(self, chat_id: int) -> list[SentMessage]:
        return self.recorder.messages_for(chat_id)

    def photos_for(self, chat_id: int) -> list[SentMessage]:
        """The photos the bot sent to the chat (sendPhoto only)."""
        return [m for m in self.recorder.messages_for(chat_id) if m.method == "sendPhoto"]

    def topic_messages(self, chat_id: int, message_thread_id: int) -> list[SentMessage]:
        """What the bot sent or edited in one forum topic."""
        return [
            m
            for m in self.recorder.messages_for(chat_id)
            if m.message_thread_id == message_thread_id
        ]

    async def wait_for_messages(
        self,
        count: int,
        *,
        chat_id: int | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """Wait until at least `count` messages (to `chat_id`, if given) arrived; returns them."""
        return await self.recorder.wait_for_messages(count, chat_id, timeout, self._describe)

    async def wait_for_call(
        self,
        method: str,
        *,
        count: int = 1,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[dict]:
        """Wait until the bot called `method` at least `count` times; returns those params."""

        def found() -> list[dict]:
            calls = [params for name, params in self.recorder.calls if name == method]
            return calls if len(calls) >= count else []

        def explain() -> str:
            got = sum(1 for name, _ in self.recorder.calls if name == method)
            called = [name for name, _ in self.recorder.calls[-10:]]
            return (
                f"expected {count} {method} call(s) within {timeout}s, got {got}; "
                f"last calls: {called}"
            )

        return await self.recorder.wait_for(found, timeout, explain)

    async def wait_for_inline_answer(
        self,
        query_id: str,
        *,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> InlineAnswer:
        """Wait until the bot's answer to the inline query was accepted; returns it.

        A refused answer is in `failures`; the timeout's message shows it.
        """

        def found() -> InlineAnswer | None:
            return next((a for a in self.inline_answers if a.query_id == query_id), None)

        def explain() -> str:
            return f"no accepted answer to inline query {query_id} within {timeout}s\n" + (
                self._describe()
            )

        return await self.recorder.wait_for(found, timeout, explain)

    def _describe(self) -> str:
        return f"{self.recorder.describe_failures()}; pending updates: {len(self.updates.pending)}"

    def clear(self) -> None:
        """Forget recorded messages, calls and counters (not chats, message ids or faults)."""
        self.recorder.clear()

    def stats(self) -> dict[str, Any]:
        return self.recorder.counters.stats()

    # -- fault injection

    def fail_chat(
        self,
        chat_id: int,
        status: int,
        description: str | None = None,
        *,
        retry_after: int | None = None,
        times: int | None = None,
        methods: Iterable[str] | None = None,
        kind: str = "json",
    ) -> None:
        """The next `times` sends/edits to the chat fail (None: until cleared; 0 clears).

        `methods` (Bot API names) widens or narrows what fails; by default sendMessage,
        sendPhoto and the editMessage* methods. `kind`: "json" (Telegram's error answer),
        "html" (an HTML error page with `status`, as nginx sends a 502) or "malformed" (a
        200 whose JSON is cut off); the call is not handled (nothing delivered).
        """
        self.faults.fail_chat(chat_id, status, description, retry_after, times, methods, kind)

    def fail_method(
        self,
        method: str,
        status: int,
        description: str | None = None,
        *,
        chat_id: int | None = None,
        retry_after: int | None = None,
        times: int | None = None,
        kind: str = "json",
    ) -> None:
        """The next `times` calls of `method` (in `chat_id` only, if given) fail; e.g.
        fail_method("getChatMember", 400, "Bad Request: member list is inaccessible",
        chat_id=-100123) or fail_method("answerInlineQuery", 500, times=1). 0 clears.
        `kind` as for fail_chat."""
        self.faults.fail_method(method, status, description, chat_id, retry_after, times, kind)

    def fail_randomly(
        self,
        rate: float,
        status: int,
        description: str | None = None,
        *,
        retry_after: int | None = None,
        seed: int = 0,
        methods: Iterable[str] | None = None,
        kind: str = "json",
    ) -> None:
        """A seeded fraction of calls fail (not chats set via fail_chat); 0 clears.
        By default sends and edits; `methods` names others (e.g. {"answerInlineQuery"}).
        `kind` as for fail_chat."""
        self.faults.fail_randomly(rate, status, description, retry_after, seed, methods, kind)

    def slow_answers(self, seconds: float, methods: Iterable[str] | None = None) -> None:
        """Calls of `methods` (default: sends and edits) are handled at once (the message is
        delivered) but answered `seconds` later, as an overloaded Telegram does; 0 clears."""
        self.faults.slow(seconds, methods)

    def clear_faults(self) -> None:
        self.faults.clear()

    # -- webhook mode

    @property
    def webhook(self) -> dict | None:
        """The setWebhook parameters while a webhook is set (a test may set it by hand)."""
        return self.webhooks.config

    @webhook.setter
    def webhook(self, config: dict | None) -> None:
        self.webhooks.config = config

    @property
    def webhook_errors(self) -> list[str]:
        """Updates given up on after `webhook_attempts` failed posts."""
        return self.webhooks.errors

    @property
    def webhook_attempts(self) -> int:
        return self.webhooks.attempts

    @webhook_attempts.setter
    def webhook_attempts(self, attempts: int) -> None:
        self.webhooks.attempts = attempts

    async def flush_webhook(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until every queued update was posted to the webhook (or given up on)."""
        await self.webhooks.flush(timeout)

    # -- HTTP

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error_response(401, "Unauthorized")
        method = request.match_info["method"]
        try:
            params = await read_params(request)
        except ApiError as exc:
            return _error_response(exc.status, exc.description)
        except (ValueError, UnicodeDecodeError) as exc:
            return _error_response(400, f"Bad Request: can't read the request: {exc}")
        self.recorder.call(method, params)
        handler = self._methods.get(method.lower())
        if handler is None:
            return _error_response(404, "Not Found: method not found")
        delay = (
            self.latency / 2 if self.latency and method.lower().startswith(_DELAYED_PREFIXES) else 0
        )
        if delay:
            await asyncio.sleep(delay)  # the request on its way
        try:
            self.faults.check(method, params.get("chat_id"))
            result = await handler(params)
        except ApiError as exc:
            self.recorder.failure(method, params, exc.status, exc.description)
            if exc.raw is not None:
                status, body, content_type = exc.raw
                response = web.Response(status=status, body=body, content_type=content_type)
            else:
                response = _error_response(exc.status, exc.description, exc.retry_after)
        else:
            response = web.Response(
                body=json.dumps({"ok": True, "result": result}).encode(),
                content_type="application/json",
            )
        if delay:
            await asyncio.sleep(delay)  # the answer on its way back
        slow = self.faults.answer_delay(method)
        if slow:
            await asyncio.sleep(slow)  # handled (delivered), the answer late
        return response

    async def _get_updates(self, params: dict) -> list[dict]:
        self.webhooks.check_polling_allowed()
        return await self.updates.get_updates(params)


def _error_response(status: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after:
        body["parameters"] = {"retry_after": retry_after}
    return web.Response(
        status=status, body=json.dumps(body).encode(), content_type="application/json"
    )
