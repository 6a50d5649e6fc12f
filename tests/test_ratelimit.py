"""SendRateLimiter: the limits hold in every window, interactive requests jump the bulk
queue, RetryAfter is handled per chat and for the whole bot. The callback stands in for
the HTTP call and records when it ran; assertions count events per window or compare
orders, never how long something took."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import timedelta

import pytest
from telegram.error import RetryAfter

from bot.delivery.ratelimit import BULK, SendRateLimiter, counts_as_message


class Recorder:
    """The 'network': records (time, chat_id, tag) for every call that got through."""

    def __init__(self, fail: dict[int, int] | None = None, retry_after: float = 0.2) -> None:
        self.calls: list[tuple[float, object, str]] = []
        self.fail = dict(fail or {})  # chat_id -> how many calls raise RetryAfter
        self.retry_after = retry_after

    async def __call__(self, chat_id: object, tag: str) -> dict:
        self.calls.append((time.monotonic(), chat_id, tag))
        if self.fail.get(chat_id, 0) > 0:
            self.fail[chat_id] -= 1
            raise RetryAfter(timedelta(seconds=self.retry_after))
        return {"ok": True, "tag": tag}


async def send(limiter, recorder, chat_id, tag="", *, bulk=True, endpoint="sendMessage"):
    return await limiter.process_request(
        callback=recorder,
        args=(chat_id, tag),
        kwargs={},
        endpoint=endpoint,
        data={"chat_id": chat_id, "text": "x"},
        rate_limit_args=BULK if bulk else None,
    )


def most_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_which_methods_count():
    for method in ("sendMessage", "editMessageText", "sendPhoto", "copyMessage"):
        assert counts_as_message(method)
    for method in ("getUpdates", "getMe", "answerCallbackQuery", "setMyCommands"):
        assert not counts_as_message(method)
    assert not counts_as_message("sendChatAction")


async def test_overall_rate_holds_in_every_window():
    rate, burst = 400, 2
    limiter = SendRateLimiter(rate, burst=burst)
    recorder = Recorder()
    await asyncio.gather(*(send(limiter, recorder, chat_id) for chat_id in range(1, 301)))
    times = [t for t, _, _ in recorder.calls]
    assert len(times) == 300
    for window in (0.05, 0.25, 0.5):
        # +1: the first and the last event of a window both count
        assert most_in_window(times, window) <= rate * window + burst + 1
    # Paced, not bursty: 300 messages at 400/s span at least (300 - burst) / 400 s.
    assert max(times) - min(times) >= (300 - burst) / rate - 0.005


async def test_interactive_request_jumps_the_bulk_queue():
    limiter = SendRateLimiter(50, burst=1)
    recorder = Recorder()
    order: list[str] = []
    five_sent = asyncio.Event()

    async def bulk(n: int) -> None:
        await send(limiter, recorder, n, f"bulk{n}")
        order.append(f"bulk{n}")
        if len(order) == 5:
            five_sent.set()

    bulks = [asyncio.create_task(bulk(n)) for n in range(1, 41)]
    await five_sent.wait()
    await send(limiter, recorder, 999, "interactive", bulk=False)
    order.append("interactive")
    await asyncio.gather(*bulks)
    # 35 bulk requests were waiting; the interactive one went within the next two slots.
    assert order.index("interactive") <= 7


async def test_private_chat_gets_one_message_per_interval():
    limiter = SendRateLimiter(1000, private_interval=0.1)
    recorder = Recorder()
    await asyncio.gather(*(send(limiter, recorder, 42, str(n)) for n in range(5)))
    times = sorted(t for t, _, _ in recorder.calls)
    assert len(times) == 5
    assert all(b - a >= 0.099 for a, b in itertools.pairwise(times))


async def test_group_gets_at_most_group_max_per_period():
    limiter = SendRateLimiter(1000, group_max=3, group_period=0.3)
    recorder = Recorder()
    await asyncio.gather(*(send(limiter, recorder, -100, str(n)) for n in range(7)))
    times = [t for t, _, _ in recorder.calls]
    assert len(times) == 7
    assert most_in_window(times, 0.299) <= 3


async def test_bulk_retry_after_is_reraised_and_pauses_only_that_chat():
    limiter = SendRateLimiter(1000, private_interval=0)
    recorder = Recorder(fail={7: 1}, retry_after=0.3)
    with pytest.raises(RetryAfter):
        await send(limiter, recorder, 7, "first")
    # Another chat goes first; chat 7 waits out its pause.
    await asyncio.gather(send(limiter, recorder, 7, "again"), send(limiter, recorder, 8, "other"))
    tags = [tag for _, _, tag in recorder.calls]
    assert tags == ["first", "other", "again"]
    assert recorder.calls[2][0] - recorder.calls[0][0] >= 0.3 - 0.005
    assert limiter.current_rate == 1000  # one chat is not an overload


async def test_interactive_retry_after_waits_and_tries_once_more():
    limiter = SendRateLimiter(1000, private_interval=0)
    recorder = Recorder(fail={5: 1}, retry_after=0.2)
    result = await send(limiter, recorder, 5, "reply", bulk=False)
    assert result == {"ok": True, "tag": "reply"}
    (first, _, _), (second, _, _) = recorder.calls
    assert second - first >= 0.2 - 0.005

    recorder = Recorder(fail={6: 2}, retry_after=0.05)
    with pytest.raises(RetryAfter):
        await send(limiter, recorder, 6, "reply", bulk=False)
    assert len(recorder.calls) == 2  # once more, not forever


async def test_retry_after_for_many_chats_pauses_everything_and_slows_down():
    limiter = SendRateLimiter(100, overload_chats=5, recover_seconds=60)
    recorder = Recorder(fail=dict.fromkeys(range(1, 7), 1), retry_after=0.3)
    results = await asyncio.gather(
        *(send(limiter, recorder, chat_id) for chat_id in range(1, 7)), return_exceptions=True
    )
    assert all(isinstance(r, RetryAfter) for r in results)
    assert limiter.current_rate == 50
    fifth_429 = sorted(t for t, _, _ in recorder.calls)[4]  # the one that made it an overload
    await send(limiter, recorder, 50, "after")  # a chat that never got a 429
    assert recorder.calls[-1][0] - fifth_429 >= 0.3 - 0.005
    # Calls that send no message are never held back, even during a pause.
    limiter._paused_until = time.monotonic() + 30
    answer = limiter.process_request(
        recorder, (1, "cb"), {}, "answerCallbackQuery", {"callback_query_id": "1"}, None
    )
    assert (await asyncio.wait_for(answer, 2))["tag"] == "cb"


async def test_rate_recovers_after_a_quiet_spell():
    now = [1000.0]
    limiter = SendRateLimiter(100, overload_chats=2, recover_seconds=60, clock=lambda: now[0])
    recorder = Recorder(fail={1: 1, 2: 1}, retry_after=1)
    for chat_id in (1, 2):
        with pytest.raises(RetryAfter):
            await send(limiter, recorder, chat_id)
    assert limiter.current_rate == 50
    now[0] += 61
    await send(limiter, recorder, 3)
    assert limiter.current_rate == 100


async def test_lifted_limits_let_everything_through():
    limiter = SendRateLimiter(None)
    recorder = Recorder()
    await asyncio.gather(*(send(limiter, recorder, 42, str(n)) for n in range(300)))
    await asyncio.gather(*(send(limiter, recorder, -42, str(n)) for n in range(300)))
    assert len(recorder.calls) == 600
    assert limiter.current_rate == 0
