"""A digest dropped into a watched folder while the bot runs reaches subscribers."""

from __future__ import annotations

import asyncio
import shutil
import sys
import time

from bot.console import samples_dir
from bot.local_api import LocalBotApi
from tests.bot_env import BotEnv, make_settings, start_bot, stop_bot, wait_until

NEW_POST = """\
---
title: "2026.11.28.20 过去4小时全球AI发生了什么？"
date: 2026-11-28T20:00:00+08:00
categories: ["AI News"]
---

1.  [A new open model tops the coding leaderboard - Ada Park](https://example.com/ada/1)

    一个**开源模型**登上编程排行榜榜首。

2.  [Chip exports tighten again - Ben Ortiz](https://example.com/ben/2)

    新一轮**芯片出口管制**出台。
"""


async def test_post_dropped_into_watched_folder_is_pushed(tmp_path):
    watched = tmp_path / "posts"
    watched.mkdir()
    shutil.copy(samples_dir() / "2026-11-28-16.md", watched)
    async with LocalBotApi() as api:
        settings = make_settings(
            api, tmp_path / "bot.db", digest_sources=[str(watched)], poll_interval=0.5
        )
        application = await start_bot(settings)
        env = BotEnv(api, application, settings)
        try:
            services = application.bot_data["services"]
            await wait_until(lambda: services.poller.polls >= 1, what="the first poll")
            await env.say(1, "/start")
            await env.say(2, "/start")
            await env.say(2, "/alerts topics")
            await env.say(2, "/follow chips")
            await env.say(3, "/start")
            await env.say(3, "/stop")
            before = {chat: len(api.messages_for(chat)) for chat in (1, 2, 3)}

            (watched / "2026-11-28-20.md").write_text(NEW_POST, encoding="utf-8")
            pushed_1 = (await api.wait_for_messages(before[1] + 1, chat_id=1, timeout=10))[-1]
            assert "2026.11.28.20" in pushed_1.text
            assert "A new open model" in pushed_1.text and "Chip exports" in pushed_1.text
            pushed_2 = (await api.wait_for_messages(before[2] + 1, chat_id=2, timeout=10))[-1]
            assert "Chip exports" in pushed_2.text and "A new open model" not in pushed_2.text
            assert application.bot_data["services"].engine.sender.posts == 2  # the lean path

            # The next polls find nothing new: nobody gets it twice; the paused chat never.
            polled = services.poller.polls
            await wait_until(lambda: services.poller.polls >= polled + 2, what="two more polls")
            assert len(api.messages_for(1)) == before[1] + 1
            assert len(api.messages_for(2)) == before[2] + 1
            assert len(api.messages_for(3)) == before[3]
        finally:
            await stop_bot(application)


async def test_ingest_from_another_process_is_picked_up(tmp_path):
    post = tmp_path / "incoming" / "2026-11-28-20.md"
    post.parent.mkdir()
    post.write_text(NEW_POST, encoding="utf-8")
    async with LocalBotApi() as api:
        settings = make_settings(api, tmp_path / "bot.db")
        application = await start_bot(settings)
        env = BotEnv(api, application, settings)
        try:
            await env.say(7, "/start")
            before = len(api.messages_for(7))
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "ingest",
                str(post),
                env={"DATABASE_PATH": str(settings.database_path), "PATH": ""},
                cwd=tmp_path,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
            assert process.returncode == 0, stderr.decode()
            assert "1 new" in stdout.decode()
            pushed = (await api.wait_for_messages(before + 1, chat_id=7, timeout=10))[-1]
            assert "2026.11.28.20" in pushed.text
        finally:
            await stop_bot(application)


async def test_a_source_that_is_down_backs_off_and_the_others_go_on(tmp_path):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead_feed = f"http://127.0.0.1:{probe.getsockname()[1]}/feed.xml"
    watched = tmp_path / "posts"
    watched.mkdir()
    async with LocalBotApi() as api:
        settings = make_settings(
            api, tmp_path / "bot.db", digest_sources=[dead_feed, str(watched)], poll_interval=0.5
        )
        application = await start_bot(settings)
        env = BotEnv(api, application, settings)
        try:
            await env.say(1, "/start")
            (watched / "2026-11-28-20.md").write_text(NEW_POST, encoding="utf-8")
            pushed = (await api.wait_for_messages(2, chat_id=1, timeout=10))[-1]
            assert "2026.11.28.20" in pushed.text
            db = application.bot_data["services"].db
            async with db.execute(
                "SELECT failures, next_poll_ts, last_error FROM sources WHERE url = ?",
                (dead_feed,),
            ) as cursor:
                failures, next_poll_ts, last_error = await cursor.fetchone()
            assert failures == 1  # polled every 0.5 s, but backed off after the first failure
            assert next_poll_ts > time.time() + 10
            assert dead_feed in last_error
        finally:
            await stop_bot(application)


async def test_a_trickling_feed_delays_no_other_source_and_stop_cancels_it(tmp_path):
    """Slow loris: 100,000 bytes announced, one sent every second. The folder's post is
    still pushed at once, and stopping the bot does not wait for the feed."""
    from aiohttp import web

    fetching = asyncio.Event()

    async def trickle(request: web.Request) -> web.StreamResponse:
        fetching.set()
        response = web.StreamResponse(headers={"Content-Length": "100000"})
        await response.prepare(request)
        try:
            for _ in range(100_000):
                await response.write(b" ")
                await asyncio.sleep(1)
        except (ConnectionResetError, RuntimeError):
            pass
        return response

    app = web.Application()
    app.router.add_get("/feed.xml", trickle)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    watched = tmp_path / "posts"
    watched.mkdir()
    try:
        async with LocalBotApi() as api:
            settings = make_settings(
                api,
                tmp_path / "bot.db",
                digest_sources=[f"http://127.0.0.1:{port}/feed.xml", str(watched)],
                poll_interval=0.5,
            )
            application = await start_bot(settings)
            env = BotEnv(api, application, settings)
            try:
                await env.say(1, "/start")
                await asyncio.wait_for(fetching.wait(), 10)  # the feed's fetch is under way
                (watched / "2026-11-28-20.md").write_text(NEW_POST, encoding="utf-8")
                pushed = (await api.wait_for_messages(2, chat_id=1, timeout=5))[-1]
                assert "2026.11.28.20" in pushed.text
            finally:
                started = time.monotonic()
                await stop_bot(application)
                assert time.monotonic() - started < 5
    finally:
        await runner.cleanup()
