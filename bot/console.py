"""`digest-bot console`: chat with the real bot in a terminal.

The same Application, handlers and database as `digest-bot run`, talking over
HTTP to an in-process stand-in of the Bot API on 127.0.0.1 instead of Telegram.
Replies print as text; inline buttons print as numbered choices to type.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from importlib import resources
from pathlib import Path
from typing import TextIO

import httpx
from pydantic import SecretStr
from telegram.ext import Application

from bot.config import Settings
from bot.local_api import LocalBotApi, SentMessage
from bot.sources.ingest import ingest_targets
from storage.db import DatabaseError, connect

CONSOLE_CHAT_ID = 1000001  # a private chat with the person at the terminal
IDLE_GRACE = 0.3  # seconds without a new reply before the next piped line is sent

BANNER = """\
digest-bot console: you are chatting with the bot, no Telegram needed.
Try /start, /latest, /search 模型, /settings, /topics, /help.
Type a number to press a button of the last message. Ctrl-D quits.
"""


def samples_dir() -> Path:
    return Path(str(resources.files("bot") / "samples"))


class Console:
    def __init__(self, api: LocalBotApi, application: Application, out: TextIO) -> None:
        self.api = api
        self.application = application
        self.out = out
        self.choices: list[tuple[int, str]] = []  # (message_id, callback data) of the last keyboard
        api.on_message = self.show

    def show(self, message: SentMessage) -> None:
        edited = " (edited)" if message.method.lower() == "editmessagetext" else ""
        picture = f"[a picture, {len(message.photo) // 1024} kB]\n" if message.photo else ""
        self.out.write(f"\n🤖{edited}\n{picture}{message.plain_text or message.text}\n")
        rows = message.buttons
        if rows:
            self.choices = []
            for row in rows:
                labels = []
                for text, data in row:
                    self.choices.append((message.message_id, data))
                    labels.append(f"[{len(self.choices)}] {text}")
                self.out.write("   " + "   ".join(labels) + "\n")
        self.out.flush()

    def send(self, line: str) -> bool:
        """Turn a typed line into an update; False when it was not understood."""
        if line.isdigit() and self.choices:
            number = int(line)
            if not 1 <= number <= len(self.choices):
                self.out.write(f"(no button {number}; choose 1-{len(self.choices)})\n")
                return False
            message_id, data = self.choices[number - 1]
            self.api.press_button(CONSOLE_CHAT_ID, message_id, data, user_id=CONSOLE_CHAT_ID)
            return True
        self.api.send_user_message(
            CONSOLE_CHAT_ID, line, user_id=CONSOLE_CHAT_ID, first_name=getpass.getuser()
        )
        return True

    async def settle(self) -> None:
        await settle(self.api, self.application)


async def settle(api: LocalBotApi, application: Application, grace: float = IDLE_GRACE) -> None:
    """Wait until the bot fetched every update, finished handling it, and went quiet."""
    processor = application.update_processor
    while True:
        count = len(api.sent)
        await asyncio.sleep(grace)
        busy = (
            api.pending_updates
            or not application.update_queue.empty()
            or processor.current_concurrent_updates
        )
        if not busy and len(api.sent) == count:
            return


async def read_line(stream: TextIO) -> str | None:
    line = await asyncio.to_thread(stream.readline)
    return None if line == "" else line.strip()


def console_database(settings: Settings, database: Path | None = None) -> Path:
    """The console's own file next to DATABASE_PATH (data/digest-bot.console.db), so
    its samples and its chat never reach the database `digest-bot run` uses."""
    if database is not None:
        return database
    path = settings.database_path
    return path.with_name(f"{path.stem}.console{path.suffix or '.db'}")


async def run_console(
    settings: Settings,
    database: Path,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
) -> int:
    from bot.telegram.app import build_application, start_application, stop_application

    interactive = stdin.isatty()
    try:
        db = await connect(database)
    except DatabaseError as error:
        print(f"digest-bot: cannot use the database {error}", file=sys.stderr)
        return 1
    try:
        async with httpx.AsyncClient() as client:
            report = await ingest_targets(db, [str(samples_dir())], client)
    finally:
        await db.close()

    async with LocalBotApi() as api:
        local = settings.model_copy(
            update={
                "bot_token": SecretStr(api.token),
                "telegram_api_url": api.base_url,
                # The person at the terminal runs this bot: they may use admin commands.
                "admin_ids": [*settings.admin_ids, CONSOLE_CHAT_ID],
                "webhook_url": None,
                "database_path": database,
            }
        )
        application = build_application(local)
        console = Console(api, application, stdout)
        await start_application(application)
        stdout.write(BANNER)
        stdout.write(f"({len(report.new)} new sample digests; database {database})\n")
        try:
            while True:
                if interactive:
                    stdout.write("\n> ")
                    stdout.flush()
                line = await read_line(stdin)
                if line is None:
                    break
                if not line:
                    continue
                if not interactive:
                    stdout.write(f"\n> {line}\n")
                if console.send(line):
                    await console.settle()
        finally:
            await stop_application(application)
    return 0
