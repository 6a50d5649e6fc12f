"""`digest-bot console`: chat with the real bot in a terminal.

The same Application, handlers and database as `digest-bot run`, talking over
HTTP to an in-process stand-in of the Bot API on 127.0.0.1 instead of Telegram.
Replies print as text, then their links (a terminal user needs the addresses); a
picture is saved to a file whose path is printed; inline buttons print as numbered
choices to type. The bundled samples are dated relative to today when it starts, so
/topics and /trends look live. Ctrl-C quits at once, as Ctrl-D does.
"""

from __future__ import annotations

import asyncio
import dataclasses
import getpass
import html
import re
import sys
import threading
import time
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr
from telegram.ext import Application

from bot.config import Settings
from bot.digest.models import Digest
from bot.digest.parse import parse_file
from bot.i18n import N_, language_for, t
from bot.local_api import LocalBotApi, SentMessage
from storage import subscribers as subs
from storage.db import Database, DatabaseError, connect
from storage.digests import save_digests

CONSOLE_CHAT_ID = 1000001  # a private chat with the person at the terminal
IDLE_GRACE = 0.3  # seconds without a new reply before the next piped line is sent

BANNER = """\
digest-bot console: you are chatting with the bot, no Telegram needed.
Try /start, /latest, /search 模型, /settings, /topics, /help.
Type a number to press a button of the last message. Ctrl-D or Ctrl-C quits.
"""
NO_SUCH_BUTTON = N_("(no button {number}; choose 1-{count})")
PICTURE_SAVED = N_("[a picture, {size} kB: {path}]")
LINK = re.compile(r'<a\s[^>]*href="([^"]*)"')


def samples_dir() -> Path:
    return Path(str(resources.files("bot") / "samples"))


class Console:
    def __init__(
        self,
        api: LocalBotApi,
        application: Application,
        out: TextIO,
        *,
        pictures: Path,
        lang: str = "",
    ) -> None:
        self.api = api
        self.application = application
        self.out = out
        self.pictures = pictures  # where pictures are saved
        self.user_lang = lang  # the console user's Telegram language ("" = none)
        self.chat_lang: str = language_for(lang)  # the chat's, as last seen
        self.choices: list[tuple[int, str]] = []  # (message_id, callback data) of the last keyboard
        api.on_message = self.show

    def show(self, message: SentMessage) -> None:
        edited = " (edited)" if message.method.lower() == "editmessagetext" else ""
        picture = self.save_picture(message) + "\n" if message.photo else ""
        self.out.write(f"\n🤖{edited}\n{picture}{message.plain_text or message.text}\n")
        for url in links(message.text):
            self.out.write(f"🔗 {url}\n")
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

    def save_picture(self, message: SentMessage) -> str:
        """The picture in a file of its own; the line that says where."""
        photo = message.photo or b""
        self.pictures.mkdir(parents=True, exist_ok=True)
        path = self.pictures / f"picture-{message.message_id}.png"
        path.write_bytes(photo)
        return t(self.chat_lang, PICTURE_SAVED, size=len(photo) // 1024, path=str(path))

    async def send(self, line: str) -> bool:
        """Turn a typed line into an update; False when it was not understood."""
        await self.learn_language()
        if line.isdigit() and self.choices:
            number = int(line)
            if not 1 <= number <= len(self.choices):
                text = t(self.chat_lang, NO_SUCH_BUTTON, number=number, count=len(self.choices))
                self.out.write(html.unescape(text) + "\n")
                return False
            message_id, data = self.choices[number - 1]
            self.api.press_button(CONSOLE_CHAT_ID, message_id, data, user_id=CONSOLE_CHAT_ID,
                                  language_code=self.user_lang or None)  # fmt: skip
            return True
        self.api.send_user_message(
            CONSOLE_CHAT_ID,
            line,
            user_id=CONSOLE_CHAT_ID,
            first_name=getpass.getuser(),
            language_code=self.user_lang or None,
        )
        return True

    async def learn_language(self) -> None:
        """The chat's language as the bot keeps it (/lang), for the console's own lines."""
        from bot.telegram.context import get_services

        services = get_services(self.application)
        if services is None:
            return
        found = await subs.get_subscriber(services.db, CONSOLE_CHAT_ID)
        if found is not None:
            self.chat_lang = found.language

    async def settle(self) -> None:
        await settle(self.api, self.application)


def links(text: str) -> list[str]:
    """The addresses a message links to, in order, each once."""
    found = [html.unescape(url) for url in LINK.findall(text or "")]
    return list(dict.fromkeys(url for url in found if url))


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
    """The next line, read in a daemon thread: Ctrl-C ends the console at once (a line
    read in asyncio's executor would hold the exit until Enter)."""
    loop = asyncio.get_running_loop()
    line: asyncio.Future[str] = loop.create_future()

    def read() -> None:
        try:
            text = stream.readline()
        except (OSError, ValueError):  # the stream is closed: the end of input
            text = ""
        loop.call_soon_threadsafe(_set_once, line, text)

    threading.Thread(target=read, name="console-input", daemon=True).start()
    text = await line
    return None if text == "" else text.strip()


def _set_once(future: asyncio.Future[str], text: str) -> None:
    if not future.done():  # the console may have stopped waiting (Ctrl-C)
        future.set_result(text)


# ---- the samples, dated relative to today ----------------------------------------------


def dated_samples(now: float) -> list[Digest]:
    """The bundled samples moved by whole days so the newest is the latest of them not
    after `now` (its hour kept, in its own zone), titles' dates ("2026.11.28.16") too."""
    digests = [parse_file(path) for path in sorted(samples_dir().glob("*.md"))]
    newest = max(digest.published_at for digest in digests)
    local_now = datetime.fromtimestamp(now, newest.tzinfo)
    days = (local_now.date() - newest.date()).days
    if newest + timedelta(days=days) > local_now:
        days -= 1
    return [_moved(digest, timedelta(days=days)) for digest in digests]


def _moved(digest: Digest, by: timedelta) -> Digest:
    when = digest.published_at + by
    title = digest.title.replace(
        digest.published_at.strftime("%Y.%m.%d"), when.strftime("%Y.%m.%d")
    )
    return dataclasses.replace(digest, published_at=when, title=title)


async def store_dated_samples(db: Database, now: float) -> int:
    """Store the samples as of `now`; how many were new."""
    outcomes = await save_digests(db, dated_samples(now))
    return outcomes.count("new")


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
    *,
    lang: str = "",
    now: float | None = None,
) -> int:
    """The console on `database`; `lang` is the user's Telegram language (zh, en);
    `now` dates the samples (the clock's time when None)."""
    from bot.telegram.app import build_application, start_application, stop_application

    interactive = stdin.isatty()
    try:
        db = await connect(database)
    except DatabaseError as error:
        print(f"digest-bot: cannot use the database {error}", file=sys.stderr)
        return 1
    try:
        new = await store_dated_samples(db, time.time() if now is None else now)
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
        pictures = database.with_name(f"{database.stem}.pictures")
        console = Console(api, application, stdout, pictures=pictures, lang=lang)
        await start_application(application)
        stdout.write(BANNER)
        stdout.write(f"({new} new sample digests; database {database})\n")
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
                if await console.send(line):
                    await console.settle()
        finally:
            await stop_application(application)
    return 0
