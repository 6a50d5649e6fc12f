"""SendRateLimiter: the limits hold in every window, interactive requests jump the bulk
queue, RetryAfter is handled per chat and for the whole bot. The callback stands in for
the HTTP call and records when it ran; assertions count events per window or compare
orders, never how long something took."""

from __future__ import annotations

import asyncio
import itertools
import logging
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
        if isinstance(chat_id, int) and self.fail.get(chat_id, 0) > 0:
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
    limiter = SendRateLimiter(100, overload_chats=5)
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


async def flood_then_recover(caplog) -> list[float]:
    """A global burst at t=1000 (5 chats, first attempts, retry_after 1 s), then the rate
    seen at every second as the fake clock runs on with nobody flooded."""
    now = [1000.0]
    limiter = SendRateLimiter(
        100, overload_chats=5, recover_step=0.1, recover_every=2.0, clock=lambda: now[0]
    )
    for chat_id in range(1, 6):
        limiter.note_retry_after(chat_id, 1.0)
    rates = []
    for _ in range(14):
        now[0] += 1
        limiter._take(now[0])  # what every send does first: the rate steps back up lazily
        rates.append(limiter.current_rate)
    return rates


async def test_a_global_burst_halves_the_rate_then_it_comes_back_step_by_step(caplog):
    caplog.set_level(logging.INFO, logger="bot.delivery.ratelimit")
    rates = await flood_then_recover(caplog)
    # Paused for 1 s, halved; a step of 10% of SEND_RATE every 2 s without a new burst.
    assert rates[0] == 50
    steps = [round(r) for r in rates]
    assert steps == sorted(steps) and steps[-1] == 100  # back up, never down
    assert len(set(steps)) == 6  # 50, 60, 70, 80, 90, 100: gradual, not a cliff
    messages = [r.getMessage() for r in caplog.records]
    assert sum("global flood limit" in m and "100.0 -> 50.0" in m for m in messages) == 1
    assert sum("no global RetryAfter" in m for m in messages) == 5  # each step, its reason


async def test_a_new_burst_during_recovery_halves_again():
    now = [1000.0]
    limiter = SendRateLimiter(100, overload_chats=3, clock=lambda: now[0])
    for chat_id in (1, 2, 3):
        limiter.note_retry_after(chat_id, 1.0)
    assert limiter.current_rate == 50
    # 429s for sends made before the pause ended are the same burst: no second halving.
    limiter.note_retry_after(4, 1.0)
    limiter.note_retry_after(5, 1.0)
    limiter.note_retry_after(6, 1.0)
    assert limiter.current_rate == 50
    now[0] += 3  # the pause is over, and `recover_every` without a burst: one step back
    limiter._take(now[0])
    assert limiter.current_rate == 60
    for chat_id in (7, 8, 9):
        limiter.note_retry_after(chat_id, 1.0)
    assert limiter.current_rate == 30


async def test_per_chat_floods_are_not_a_global_limit(caplog):
    """10 of 200 chats answer 429 twice: their pauses end together, so their retries (and
    second 429s) come together. Repeats are per-chat floods: the bot is never slowed."""
    caplog.set_level(logging.INFO, logger="bot.delivery.ratelimit")
    limiter = SendRateLimiter(2000, private_interval=0, overload_chats=5)
    flooded = list(range(10, 201, 20))
    recorder = Recorder(fail=dict.fromkeys(flooded, 2), retry_after=0.2)

    async def deliver(chat_id: int) -> None:
        while True:
            try:
                await send(limiter, recorder, chat_id)
                return
            except RetryAfter:
                await asyncio.sleep(0.2)  # the engine's retry, when the pause is over

    await asyncio.gather(*(deliver(chat_id) for chat_id in range(1, 201)))
    assert sum(1 for _, chat, _ in recorder.calls if chat in flooded) == 30
    assert limiter.current_rate == 2000
    assert not any("global flood limit" in r.getMessage() for r in caplog.records)
    assert sum("again (a per-chat flood)" in r.getMessage() for r in caplog.records) == 10


async def test_many_first_429s_among_many_more_sends_are_not_a_global_limit():
    """5 distinct chats at once, but among 1,000 sends of the same window: 0.5%."""
    limiter = SendRateLimiter(None, overload_chats=5, overload_share=0.25)
    recorder = Recorder(fail=dict.fromkeys(range(996, 1001), 1))
    results = await asyncio.gather(
        *(send(limiter, recorder, chat_id) for chat_id in range(1, 1001)), return_exceptions=True
    )
    assert sum(isinstance(r, RetryAfter) for r in results) == 5
    assert limiter._paused_until == 0.0  # no global pause


def test_chat_ready_at_tells_the_engine_when_a_chat_may_get_its_next_part():
    now = [500.0]
    limiter = SendRateLimiter(30, private_interval=1.0, group_max=2, group_period=60,
                              clock=lambda: now[0])  # fmt: skip
    limiter._record_send(42, now[0])
    assert limiter.chat_ready_at(42) == 501.0
    assert limiter.chat_ready_at(43) == 0.0
    limiter._record_send(-5, 500.0)
    limiter._record_send(-5, 510.0)
    assert limiter.chat_ready_at(-5) == 560.0  # two per minute: the first one ages out
    limiter.note_retry_after(43, 7)
    assert limiter.chat_ready_at(43) == 507.0


async def test_lifted_limits_let_everything_through():
    limiter = SendRateLimiter(None)
    recorder = Recorder()
    await asyncio.gather(*(send(limiter, recorder, 42, str(n)) for n in range(300)))
    await asyncio.gather(*(send(limiter, recorder, -42, str(n)) for n in range(300)))
    assert len(recorder.calls) == 600
    assert limiter.current_rate == 0
