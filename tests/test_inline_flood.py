"""Inline floods (issue 23 item 4): inline answers have their own budget and slots, are
dropped when they would come late, and never hold up a chat's command reply."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

from telegram import Chat, InlineQuery, Message, Update, User

from bot.delivery.ratelimit import InlineTooLate, SendRateLimiter
from bot.telegram.updates import PerChatUpdateProcessor


async def test_inline_answers_have_their_own_budget_and_late_ones_are_dropped():
    now = [1000.0]
    limiter = SendRateLimiter(10, burst=2, inline_max_wait=2.0, clock=lambda: now[0])
    answered: list[int] = []

    async def answer(n: int) -> bool:
        answered.append(n)
        return True

    flood = [
        asyncio.create_task(
            limiter.process_request(answer, (n,), {}, "answerInlineQuery", {}, None)
        )
        for n in range(100)
    ]
    await asyncio.sleep(0)
    dropped = [t for t in flood if t.done() and isinstance(t.exception(), InlineTooLate)]
    # The clock stands still: 2 s of budget at 10/s is about 20 answers; the rest are
    # dropped at once, not queued.
    assert 79 <= len(dropped) == limiter.inline_dropped <= 80

    sent: list[str] = []

    async def reply(text: str) -> bool:
        sent.append(text)
        return True

    # A command reply meanwhile takes its slot at once: the flood took none of them.
    await asyncio.wait_for(
        limiter.process_request(reply, ("help",), {}, "sendMessage", {"chat_id": 5}, None), 1
    )
    assert sent == ["help"]
    for task in flood:
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError, InlineTooLate):
        await asyncio.gather(*flood, return_exceptions=False)


def inline_update(n: int) -> Update:
    user = User(1000 + n, "U", False)
    return Update(n, inline_query=InlineQuery(str(n), user, "模型", ""))


def command_update(n: int) -> Update:
    chat = Chat(5, "private")
    message = Message(1, datetime.now(UTC), chat, text="/help", from_user=User(5, "C", False))
    return Update(n, message=message)


async def test_an_inline_flood_never_holds_a_commands_slot():
    processor = PerChatUpdateProcessor(2)
    release = asyncio.Event()
    started = 0

    async def slow_inline() -> None:
        nonlocal started
        started += 1
        await release.wait()

    flood = [
        asyncio.create_task(processor.do_process_update(inline_update(n), slow_inline()))
        for n in range(200)
    ]
    await asyncio.sleep(0.05)
    done = asyncio.Event()

    async def help_reply() -> None:
        done.set()

    await asyncio.wait_for(processor.do_process_update(command_update(999), help_reply()), 2)
    assert done.is_set() and started <= 16  # inline queries run in their own slots
    release.set()
    await asyncio.gather(*flood)
