"""What an operator meets when starting the bot: no token, no network, a bad token,
a second instance, a broken database, a bad setting. Real processes, real files."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import pty
import signal
import socket
import subprocess
import time

import pytest

from bot.local_api import LocalBotApi
from bot.logs import RedactTokens
from tests.test_operations import (
    FAKE_TOKEN,
    START_TIMEOUT,
    assert_no_token,
    assert_no_traceback,
    bot_process,
    clean_env,
    digest_bot,
    run_cli,
)


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_run_without_a_token_in_a_terminal_opens_the_console_on_its_own_database(tmp_path):
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [*digest_bot(), "run"],
        cwd=tmp_path,
        env=clean_env(tmp_path),
        stdin=secondary,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    os.close(secondary)
    try:
        # Ctrl-D at a line's start is end of input, read after the line is answered.
        os.write(primary, b"/latest\n\x04")
        out, err = process.communicate(timeout=60)
    finally:
        os.close(primary)
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err.decode()[-2000:]
    assert b"No BOT_TOKEN" in err
    assert b"3 new sample digests" in out
    assert (tmp_path / "bot.console.db").exists() and not (tmp_path / "bot.db").exists()


async def test_an_unreachable_bot_api_is_retried_with_one_line_per_attempt(tmp_path):
    env = clean_env(
        tmp_path, BOT_TOKEN=FAKE_TOKEN, TELEGRAM_API_URL=f"http://127.0.0.1:{closed_port()}"
    )
    async with bot_process(tmp_path, env, "run") as bot:
        deadline = time.monotonic() + START_TIMEOUT
        while sum("cannot reach the Bot API" in line for line in bot.lines) < 2:
            assert time.monotonic() < deadline, bot.output()[-2000:]
            await asyncio.sleep(0.1)
        code = await bot.signal_and_wait(signal.SIGTERM)
    assert code == 0, bot.output()[-2000:]
    assert_no_traceback(bot.output())
    assert_no_token(bot.lines)
    attempts = [line for line in bot.lines if "cannot reach the Bot API" in line]
    assert "attempt 1" in attempts[0] and "attempt 2" in attempts[1]


async def test_a_rejected_token_is_one_line_and_no_traceback(tmp_path):
    wrong = "7123456789:" + "WRONG-TOKEN-".ljust(35, "y")
    async with LocalBotApi(token=FAKE_TOKEN) as api:
        env = clean_env(tmp_path, BOT_TOKEN=wrong, TELEGRAM_API_URL=api.base_url)
        async with bot_process(tmp_path, env, "run") as bot:
            code = await bot.wait_exit(START_TIMEOUT)
    assert code == 1
    assert_no_traceback(bot.output())
    assert_no_token(bot.lines, wrong, wrong.partition(":")[2])
    (line,) = [line for line in bot.lines if "BOT_TOKEN" in line]
    assert "rejected" in line


async def test_a_second_bot_on_the_same_database_exits_naming_it(tmp_path):
    async with LocalBotApi(token=FAKE_TOKEN) as api:
        env = clean_env(tmp_path, BOT_TOKEN=FAKE_TOKEN, TELEGRAM_API_URL=api.base_url)
        async with bot_process(tmp_path, env, "run") as first:
            await api.wait_for_call("getUpdates", timeout=START_TIMEOUT)
            second = await asyncio.to_thread(run_cli, tmp_path, "run", env=env)
            assert second.returncode == 1
            (line,) = second.stderr.strip().splitlines()
            assert "already running" in line and str(tmp_path / "bot.db") in line
            assert await first.signal_and_wait(signal.SIGTERM) == 0
        # The lock goes with the process: a restart is not blocked by a stale file.
        async with bot_process(tmp_path, env, "run") as again, asyncio.timeout(START_TIMEOUT):
            while not any("running (polling)" in line for line in again.lines):
                assert again.process.returncode is None, again.output()[-2000:]
                await asyncio.sleep(0.05)
            assert await again.signal_and_wait(signal.SIGTERM) == 0


@pytest.mark.parametrize("link", ["symlink", "hard link"])
async def test_a_second_bot_through_another_name_of_the_file_exits(tmp_path, link):
    other = tmp_path / "elsewhere" / "other-name.db"
    other.parent.mkdir()
    async with LocalBotApi(token=FAKE_TOKEN) as api:
        env = clean_env(tmp_path, BOT_TOKEN=FAKE_TOKEN, TELEGRAM_API_URL=api.base_url)
        async with bot_process(tmp_path, env, "run") as first:
            await api.wait_for_call("getUpdates", timeout=START_TIMEOUT)
            if link == "symlink":
                other.symlink_to(tmp_path / "bot.db")
            else:
                os.link(tmp_path / "bot.db", other)
            second_env = {**env, "DATABASE_PATH": str(other)}
            second = await asyncio.to_thread(run_cli, tmp_path, "run", env=second_env)
            assert second.returncode == 1, second.stderr[-2000:]
            (line,) = second.stderr.strip().splitlines()
            assert "already running" in line and str(other) in line
            assert await first.signal_and_wait(signal.SIGTERM) == 0


@pytest.mark.parametrize("command", [["search", "x"], ["ingest", "."]])
def test_a_file_that_is_not_a_database_is_one_line_and_an_exit(tmp_path, command):
    (tmp_path / "bot.db").write_text("hello")
    result = run_cli(tmp_path, *command)
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert "bot.db" in line and "not a database" in line
    assert_no_traceback(result.stderr)


async def test_run_on_a_broken_database_exits_with_one_line(tmp_path):
    (tmp_path / "bot.db").write_text("hello")
    async with LocalBotApi(token=FAKE_TOKEN) as api:
        env = clean_env(tmp_path, BOT_TOKEN=FAKE_TOKEN, TELEGRAM_API_URL=api.base_url)
        async with bot_process(tmp_path, env, "run") as bot:
            code = await bot.wait_exit(START_TIMEOUT)
    assert code == 1
    assert_no_traceback(bot.output())
    assert any("bot.db" in line and "not a database" in line for line in bot.lines)


@pytest.mark.parametrize("where", ["under_a_file", "a_folder"])
def test_a_database_path_that_cannot_be_a_database_is_one_line(tmp_path, where):
    (tmp_path / "plain").write_text("not a folder")
    (tmp_path / "folder.db").mkdir()
    path = tmp_path / "plain" / "b.db" if where == "under_a_file" else tmp_path / "folder.db"
    result = run_cli(tmp_path, "search", "x", env=clean_env(tmp_path, DATABASE_PATH=path))
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert str(path) in line
    assert_no_traceback(result.stderr)


def test_a_bad_admin_id_names_the_setting_and_the_value(tmp_path):
    result = run_cli(tmp_path, "search", "x", env=clean_env(tmp_path, ADMIN_IDS="12,abc"))
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "ADMIN_IDS" in line and "'abc'" in line and "ADMIN_IDS_1" not in line


def test_tokens_are_redacted_from_context_fields_too():
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "feed failed", None, None)
    record.source = f"https://api.example/bot{FAKE_TOKEN}/getMe"
    RedactTokens([FAKE_TOKEN]).filter(record)
    assert FAKE_TOKEN not in record.source and "[token]" in record.source
    from bot.logs import JsonFormatter, TextFormatter

    for formatter in (JsonFormatter(), TextFormatter()):
        assert FAKE_TOKEN not in formatter.format(record)
    assert json.loads(JsonFormatter().format(record))["source"].endswith("[token]/getMe")


@pytest.mark.parametrize("log_format", ["text", "json"])
async def test_every_start_up_call_is_retried_through_server_errors(tmp_path, log_format):
    async with LocalBotApi(token=FAKE_TOKEN) as api:
        api.fail_method("getMe", 200, kind="malformed", times=2)
        api.fail_method("setMyCommands", 502, kind="html", times=1)
        api.fail_method("deleteWebhook", 502, kind="html", times=2)
        env = clean_env(
            tmp_path, BOT_TOKEN=FAKE_TOKEN, TELEGRAM_API_URL=api.base_url, LOG_FORMAT=log_format
        )
        async with bot_process(tmp_path, env, "run") as bot:
            await api.wait_for_call("getUpdates", timeout=START_TIMEOUT * 2)
            code = await bot.signal_and_wait(signal.SIGTERM)
    assert code == 0, bot.output()[-3000:]
    assert_no_traceback(bot.output())
    assert_no_token(bot.lines)
    retries = [line for line in bot.lines if "cannot reach the Bot API" in line]
    for call in ("getMe", "setMyCommands", "deleteWebhook"):
        assert any(call in line for line in retries), (call, retries)
    if log_format == "json":
        assert all(json.loads(line)["message"] for line in bot.lines)


async def test_sigterm_with_a_thousand_queued_replies_stops_within_10_s(tmp_path):
    async with LocalBotApi(token=FAKE_TOKEN) as api:
        env = clean_env(tmp_path, BOT_TOKEN=FAKE_TOKEN, TELEGRAM_API_URL=api.base_url, SEND_RATE=30)
        async with bot_process(tmp_path, env, "run") as bot:
            await api.wait_for_call("getUpdates", timeout=START_TIMEOUT)
            for user in range(1, 1101):  # 37 s of replies at 30/s
                api.send_user_message(100_000 + user, "/help", user_id=100_000 + user)
            await api.wait_for_messages(30, timeout=START_TIMEOUT)  # answering is under way
            bot.process.send_signal(signal.SIGTERM)
            code = await bot.wait_exit(10)  # Docker's grace period
    assert code == 0, bot.output()[-3000:]
    assert_no_traceback(bot.output())
    (line,) = [line for line in bot.lines if "stopping:" in line]
    assert "dropped unanswered" in line and len(api.sent) < 1100


async def test_sigterm_during_a_slow_parse_kills_the_parser_and_stops_within_10_s(tmp_path):
    folder = tmp_path / "posts"
    folder.mkdir()
    front = "---\ntitle: Slow\ndate: 2026-01-01T08:00:00+08:00\n---\n\n1. "
    (folder / "brackets.md").write_text(front + "[" * 4_900_000, encoding="utf-8")  # ~56 s
    async with LocalBotApi(token=FAKE_TOKEN) as api:
        env = clean_env(
            tmp_path, BOT_TOKEN=FAKE_TOKEN, TELEGRAM_API_URL=api.base_url,
            DIGEST_SOURCES=str(folder), LOG_LEVEL="DEBUG",
        )  # fmt: skip
        async with bot_process(tmp_path, env, "run") as bot:
            await api.wait_for_call("getUpdates", timeout=START_TIMEOUT)
            await asyncio.sleep(3)  # the first poll (1 s after start) is parsing the post
            bot.process.send_signal(signal.SIGTERM)
            code = await bot.wait_exit(10)
    assert code == 0, bot.output()[-3000:]
    assert_no_traceback(bot.output())
    assert any("stopped cleanly" in line for line in bot.lines)
