"""Operating the bot as a deployment does: the real command line in a subprocess.

Every process gets an environment built from scratch (never the caller's BOT_TOKEN)
and runs in a tmp folder, so no stray `.env` is read. Bot runs talk over real HTTP
to a LocalBotApi stand-in on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.local_api import LocalBotApi
from tests.bot_env import store_samples

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "bot" / "samples"
NEWEST_SAMPLE_TITLE = "2026.11.28.16"

# Shaped like a real token (digits, colon, 35 characters) but plainly not one.
FAKE_TOKEN = "7123456789:" + "NOT-A-REAL-TOKEN-".ljust(35, "x")
TOKEN_SECRET = FAKE_TOKEN.partition(":")[2]

USER = 4242
STOP_TIMEOUT = 10.0
START_TIMEOUT = 20.0


# --- helpers (test_webhook.py uses them too) ------------------------------------------------


def clean_env(tmp_path: Path, **settings: object) -> dict[str, str]:
    """A minimal environment: PATH, HOME, UTF-8, the repo importable, plus `settings`."""
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONPATH": str(REPO),
        "PYTHONDONTWRITEBYTECODE": "1",
        "DATABASE_PATH": str(tmp_path / "bot.db"),
    }
    env.update({name: str(value) for name, value in settings.items()})
    return env


def digest_bot() -> list[str]:
    """The installed console script, or `python -m bot` where it is not installed."""
    script = Path(sys.executable).parent / "digest-bot"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def run_cli(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*digest_bot(), *args],
        cwd=tmp_path,
        env=env or clean_env(tmp_path),
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


@dataclass
class BotProcess:
    """`digest-bot run` in a subprocess, its output collected line by line as it comes."""

    process: asyncio.subprocess.Process
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    readers: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        return self.stdout + self.stderr

    def output(self) -> str:
        return "\n".join(self.lines)

    async def signal_and_wait(self, sig: int = signal.SIGTERM) -> int:
        """Send `sig`; the exit code (the wait is bounded by STOP_TIMEOUT)."""
        self.process.send_signal(sig)
        try:
            code = await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            raise AssertionError(
                f"no exit within {STOP_TIMEOUT}s of {signal.Signals(sig).name}; "
                f"last output:\n" + "\n".join(self.lines[-20:])
            ) from None
        await asyncio.wait_for(asyncio.gather(*self.readers), 5)
        return code

    async def wait_exit(self, timeout: float = 30.0) -> int:  # noqa: ASYNC109
        code = await asyncio.wait_for(self.process.wait(), timeout)
        await asyncio.wait_for(asyncio.gather(*self.readers), 5)
        return code


async def _collect(stream: asyncio.StreamReader, into: list[str]) -> None:
    async for raw in stream:
        into.append(raw.decode("utf-8", errors="replace").rstrip("\n"))


@contextlib.asynccontextmanager
async def bot_process(tmp_path: Path, env: dict[str, str], *args: str) -> AsyncIterator[BotProcess]:
    """Starts `python -m bot ARGS`; always killed on the way out."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *(args or ("run",)),
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    running = BotProcess(process)
    assert process.stdout is not None and process.stderr is not None
    running.readers = [
        asyncio.create_task(_collect(process.stdout, running.stdout)),
        asyncio.create_task(_collect(process.stderr, running.stderr)),
    ]
    try:
        yield running
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        for reader in running.readers:
            reader.cancel()


def assert_no_token(lines: list[str], *secrets: str) -> None:
    for secret in (FAKE_TOKEN, TOKEN_SECRET, *secrets):
        leaked = [line for line in lines if secret in line]
        assert not leaked, f"{secret[:4]}... leaked in {len(leaked)} line(s): {leaked[0][:200]}"


def assert_no_traceback(text: str) -> None:
    assert "Traceback" not in text, text


# --- bad settings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [("SEND_RATE", "-1"), ("DEFAULT_TZ", "Mars/Base"), ("LOG_FORMAT", "xml")],
)
def test_a_bad_setting_exits_2_with_one_line_naming_it(tmp_path, name, value):
    env = clean_env(tmp_path, BOT_TOKEN=FAKE_TOKEN, **{name: value})
    result = run_cli(tmp_path, "run", env=env)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert name in lines[0]
    assert_no_traceback(result.stderr)
    assert_no_token(lines)
    assert result.stdout == ""


def test_bad_settings_in_dot_env_are_reported_too(tmp_path):
    (tmp_path / ".env").write_text("POLL_INTERVAL=0\n", encoding="utf-8")
    result = run_cli(tmp_path, "search", "x")
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "POLL_INTERVAL" in line


# --- a full run against the stand-in --------------------------------------------------------


async def wait_for_reply(api: LocalBotApi, chat_id: int, needle: str, after: int) -> None:
    """Wait until a message past the first `after` ones to `chat_id` contains `needle`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT
    while True:
        messages = api.messages_for(chat_id)
        if any(needle in (m.plain_text or m.text) for m in messages[after:]):
            return
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise AssertionError(f"no reply containing {needle!r}; got {len(messages)} message(s)")
        with contextlib.suppress(TimeoutError):
            await api.wait_for_messages(len(messages) + 1, chat_id=chat_id, timeout=remaining)


async def script_a_user(api: LocalBotApi, chat_id: int = USER) -> None:
    """/start, /latest, /search 模型, /settings: each answered before the next is sent."""
    for command, reply in (
        ("/start", "Welcome"),
        ("/latest", NEWEST_SAMPLE_TITLE),
        ("/search 模型", "Results"),
        ("/settings", "Settings"),
    ):
        before = len(api.messages_for(chat_id))
        api.send_user_message(chat_id, command)
        await wait_for_reply(api, chat_id, reply, before)


@pytest.mark.parametrize(
    ("log_format", "stop_signal"),
    [("json", signal.SIGTERM), ("text", signal.SIGINT)],
)
async def test_polling_run_serves_a_user_and_stops_cleanly_without_leaking_the_token(
    tmp_path, log_format, stop_signal
):
    await store_samples(tmp_path / "bot.db")
    async with LocalBotApi(token=FAKE_TOKEN) as api:
        env = clean_env(
            tmp_path,
            BOT_TOKEN=FAKE_TOKEN,
            TELEGRAM_API_URL=api.base_url,
            LOG_LEVEL="DEBUG",
            LOG_FORMAT=log_format,
        )
        async with bot_process(tmp_path, env, "run") as bot:
            await api.wait_for_call("getUpdates", timeout=START_TIMEOUT)
            await script_a_user(api)
            code = await bot.signal_and_wait(stop_signal)

    assert code == 0, bot.output()[-3000:]
    assert bot.lines, "no output at all"
    assert_no_token(bot.lines)
    assert_no_traceback(bot.output())
    assert any("stopped cleanly" in line for line in bot.lines)
    if log_format == "json":
        for line in bot.lines:
            entry = json.loads(line)  # every line, stdout and stderr
            assert {"time", "level", "logger", "message"} <= entry.keys(), line
        assert any(json.loads(line)["level"] == "DEBUG" for line in bot.lines)


async def test_a_rejected_token_exits_1_without_printing_it(tmp_path):
    wrong = "7123456789:" + "WRONG-TOKEN-".ljust(35, "y")
    async with LocalBotApi(token=FAKE_TOKEN) as api:
        env = clean_env(tmp_path, BOT_TOKEN=wrong, TELEGRAM_API_URL=api.base_url, LOG_FORMAT="json")
        async with bot_process(tmp_path, env, "run") as bot:
            code = await bot.wait_exit(START_TIMEOUT)
    assert code == 1
    assert_no_token(bot.lines, wrong, wrong.partition(":")[2])
    entries = [json.loads(line) for line in bot.lines]  # a crash is logged too, as JSON
    assert any("BOT_TOKEN" in entry["message"] for entry in entries)


# --- ingest, search, parse ------------------------------------------------------------------


def test_ingest_the_samples_then_again_then_a_broken_file(tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "garbage.md").write_bytes(bytes(range(256)) * 8)
    with ThreadPoolExecutor() as pool:  # two databases, so the two may run at once
        first_job = pool.submit(run_cli, tmp_path, "ingest", str(SAMPLES))
        bad_job = pool.submit(run_cli, broken, "ingest", str(broken), env=clean_env(broken))
    first, bad = first_job.result(), bad_job.result()
    assert first.returncode == 0, first.stderr
    assert re.search(r"\b3 new\b", first.stdout), first.stdout
    assert bad.returncode == 1
    assert "garbage.md" in bad.stdout + bad.stderr
    assert_no_traceback(bad.stderr)

    again = run_cli(tmp_path, "ingest", str(SAMPLES))
    assert again.returncode == 0, again.stderr
    assert re.search(r"\b0 new\b.*\b3 unchanged\b", again.stdout), again.stdout


async def test_search_exits_0_with_results_and_1_with_none(tmp_path):
    await store_samples(tmp_path / "bot.db")
    with ThreadPoolExecutor() as pool:
        found_job = pool.submit(run_cli, tmp_path, "search", "模型")
        nothing_job = pool.submit(run_cli, tmp_path, "search", "zzzqqq")
    found, nothing = found_job.result(), nothing_job.result()
    assert found.returncode == 0, found.stderr
    assert "模型" in found.stdout
    assert re.search(r"^1\. ", found.stdout, re.MULTILINE), found.stdout

    assert nothing.returncode == 1
    assert "zzzqqq" in nothing.stdout
    assert_no_traceback(nothing.stderr)


def test_parse_json_follows_the_contract(tmp_path, shared_data):
    post = shared_data / "digests" / "canonical" / "2025-12-20-12.md"
    result = run_cli(tmp_path, "parse", str(post), "--json")
    assert result.returncode == 0, result.stderr
    parsed = json.loads(result.stdout)
    assert set(parsed) == {"title", "published_at", "categories", "items"}
    assert parsed["title"] and parsed["items"]
    assert isinstance(parsed["categories"], list)
    for item in parsed["items"]:
        assert set(item) == {"title", "author", "url", "summary", "links"}, item
        assert isinstance(item["links"], list)

    module = subprocess.run(
        [sys.executable, "-m", "bot", "parse", str(post), "--json"],
        cwd=tmp_path,
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert module.returncode == 0, module.stderr
    assert module.stdout == result.stdout


def test_parse_explain_says_which_structure_and_what_it_left_out(tmp_path, shared_data):
    post = shared_data / "digests" / "tianyn1990-ai-weekly" / "daily" / "2026-03-11.md"
    result = run_cli(tmp_path, "parse", str(post), "--explain")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    items = int(re.search(r"^(\d+) items$", result.stdout, re.MULTILINE).group(1))
    summary = next(line for line in lines if line.startswith(f"{items} items from a post with"))
    assert int(summary.split()[-2]) > items  # the links it counted
    assert any("by list items with a link" in line for line in lines)
    assert any("later tellings folded" in line for line in lines)  # the overview lists
    assert lines[-1] == "clear: one structure holds the items"
    # with --json the explanation goes to stderr and the JSON stays whole
    as_json = run_cli(tmp_path, "parse", str(post), "--json", "--explain")
    assert json.loads(as_json.stdout)["items"]
    assert "by list items with a link" in as_json.stderr


def test_parse_says_when_no_structure_wins(tmp_path):
    post = tmp_path / "2026-01-01-links.md"
    post.write_text(
        "---\ntitle: Links\n---\n\nSee https://a.example/1, https://a.example/2 and "
        "https://a.example/3 in prose, under no heading.\n",
        encoding="utf-8",
    )
    result = run_cli(tmp_path, "parse", str(post))
    assert result.returncode == 0, result.stderr
    assert "0 items" in result.stdout
    assert result.stdout.splitlines()[-1].startswith(
        "UNCLEAR: no items found in a post with 3 links"
    )


# --- the console ----------------------------------------------------------------------------


def test_the_console_on_piped_input_and_run_without_a_token(tmp_path):
    """Two processes at once (each on its own database): most of their time is waiting."""
    script = "/start\n/latest\n/search 模型\n/settings\n2\n"
    (tmp_path / "run").mkdir()
    with ThreadPoolExecutor() as pool:
        console_job = pool.submit(run_cli, tmp_path, "console", stdin=script)
        run_job = pool.submit(
            run_cli, tmp_path / "run", "run", env=clean_env(tmp_path / "run"), stdin=""
        )
    console, run = console_job.result(), run_job.result()

    assert console.returncode == 0, console.stderr[-3000:]
    out = console.stdout
    for expected in (
        "Welcome",
        "过去4小时全球AI发生了什么",  # /latest: a sample, dated relative to today
        "Results",  # /search 模型
        "(edited)",  # pressing button 2 edited the settings message
    ):
        assert expected in out, f"{expected!r} missing from:\n{out[-3000:]}"
    assert re.search(r"\[1\] .+\[2\] ", out), out[-3000:]  # a numbered button list
    assert_no_traceback(console.stderr)

    # The console kept to its own file: `run` on DATABASE_PATH finds no sample, no chat.
    assert (tmp_path / "bot.console.db").exists()
    assert not (tmp_path / "bot.db").exists()

    # `digest-bot run` with no BOT_TOKEN and no terminal (a detached container): not a
    # console that reads end of input and "succeeds" in a restart loop, but one line.
    assert run.returncode == 2, run.stderr[-3000:]
    (line,) = run.stderr.strip().splitlines()
    assert "BOT_TOKEN" in line
    assert_no_traceback(run.stderr)
