"""`digest-bot run | console | ingest | search | parse` (the DESIGN.md command-line contract)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sqlite3
import sys
from pathlib import Path
from typing import TextIO

from bot.config import Settings, SettingsError, load_settings
from bot.logs import setup_logging

log = logging.getLogger("bot.cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="digest-bot", description="A Telegram bot that delivers AI-news digests."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="run the bot (long polling; webhook when WEBHOOK_URL is set)")
    console = commands.add_parser(
        "console", help="chat with the bot in this terminal, no Telegram needed"
    )
    console.add_argument(
        "--database",
        type=Path,
        help="the database to use (default: its own file next to DATABASE_PATH, so trying "
        "the console never leaves samples or a test chat where `run` looks)",
    )
    console.add_argument(
        "--lang",
        choices=("zh", "en"),
        default="",
        help="your Telegram app's language, as the bot sees it (until /lang picks one)",
    )
    ingest = commands.add_parser(
        "ingest", help="parse and store posts (folders recurse, feed URLs)"
    )
    ingest.add_argument(
        "targets",
        nargs="+",
        metavar="PATH_OR_URL",
        help="a post (.md), a saved feed (rss.xml), a folder of posts (recursed), a feed URL "
        "(http, https) or a file:// URL",
    )
    search = commands.add_parser(
        "search",
        help="search every stored item, like /search",
        description="Search every stored item as /search does, newest first, one result per "
        "story. Exit status 0 when something was found, 1 when nothing was.",
    )
    search.add_argument(
        "words",
        nargs="+",
        metavar="WORD",
        help="words every result must contain (Chinese needs no spaces: 开源模型)",
    )
    search.add_argument("--limit", type=int, default=5, help="results per page (default 5)")
    search.add_argument(
        "--offset", type=int, default=0, help="results to skip: the next page (default 0)"
    )
    parse = commands.add_parser(
        "parse",
        help="show what the bot makes of one post",
        description="Show what the bot makes of one post: its title, date, categories and "
        "numbered items. Nothing is stored.",
    )
    parse.add_argument("file", type=Path, metavar="FILE", help="a post (Markdown) to parse")
    parse.add_argument(
        "--json",
        action="store_true",
        help="the parsed digest as JSON: title, published_at, categories, items",
    )
    parse.add_argument(
        "--explain", action="store_true", help="which structure gave the items, and why"
    )
    return parser


def run_cli(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "parse":  # needs no settings
        return parse_command(args.file, as_json=args.json, explain=args.explain)
    try:
        settings = load_settings()
    except SettingsError as error:
        for line in str(error).splitlines():
            print(f"digest-bot: bad setting: {line}", file=sys.stderr)
        return 2
    secrets = [s.get_secret_value() for s in (settings.bot_token, settings.webhook_secret) if s]
    level = settings.log_level
    if args.command == "console" or (args.command in (None, "run") and not settings.bot_token):
        # The console is a chat in this terminal: only warnings interrupt it, unless asked.
        level = level if "log_level" in settings.model_fields_set else "WARNING"
    setup_logging(level, settings.log_format, secrets)
    if args.command in (None, "run"):
        return run_command(settings)
    if args.command == "console":
        return console_command(settings, args.database, args.lang)
    from storage.db import DatabaseError

    try:
        if args.command == "ingest":
            return asyncio.run(ingest_command(settings, args.targets))
        if args.command == "search":
            words = " ".join(args.words)
            return asyncio.run(search_command(settings, words, args.offset, args.limit))
    except DatabaseError as error:
        print(f"digest-bot: cannot use the database {error}", file=sys.stderr)
        return 1
    except sqlite3.Error as error:  # a full disk, an I/O error: what was stored is kept
        print(f"digest-bot: cannot write to the database {settings.database_path}: {error}",
              file=sys.stderr)  # fmt: skip
        return 1
    raise AssertionError(args.command)


def run_command(settings: Settings) -> int:
    if settings.bot_token is None:
        if not sys.stdin.isatty():
            # A container or service with no token: say so, do not "succeed" in a loop.
            print(
                "digest-bot: BOT_TOKEN is not set (put the token from @BotFather in .env "
                "or the environment); without it and without a terminal there is nothing to run",
                file=sys.stderr,
            )
            return 2
        print(
            "No BOT_TOKEN is set, so here is the local console on the bundled sample digests.\n"
            "To run in Telegram, put BOT_TOKEN=<token from @BotFather> in .env (see README).\n",
            file=sys.stderr,
        )
        return console_command(settings, None)
    from bot.telegram.runner import run
    from storage.instance_lock import AlreadyRunning, InstanceLock

    try:
        with InstanceLock(settings.database_path):
            return run(settings)
    except AlreadyRunning as error:
        print(f"digest-bot: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # the lock file's folder cannot be made or written
        print(f"digest-bot: cannot use the database {settings.database_path}: "
              f"{error.strerror}", file=sys.stderr)  # fmt: skip
        return 1


def console_command(settings: Settings, database: Path | None, lang: str = "") -> int:
    from bot.console import console_database, run_console

    try:
        return asyncio.run(run_console(settings, console_database(settings, database), lang=lang))
    except KeyboardInterrupt:  # Ctrl-C: the console ends at once, as with Ctrl-D
        print(file=sys.stderr)
        return 0


def parse_command(path: Path, *, as_json: bool, explain: bool = False) -> int:
    from bot.digest.explain import explanation_lines
    from bot.digest.parse import ParseError, parse_file_result

    try:
        result = parse_file_result(path)
    except ParseError as error:
        print(f"digest-bot: {error}", file=sys.stderr)
        return 1
    digest, explanation = result.digest, result.explanation
    if as_json:
        print(json.dumps(digest.to_json_dict(), ensure_ascii=False, indent=2))
    else:
        print(f"{digest.title}\n{digest.published_at.isoformat()}  {', '.join(digest.categories)}")
        for item in digest.items:
            author = f" - {item.author}" if item.author else ""
            print(f"{item.position:>3}. {item.title}{author}\n     {item.url or '(no link)'}")
        print(f"{len(digest.items)} items")
    if explanation is not None and (explain or explanation.unclear):
        # on stderr with --json, so the JSON stays parseable
        out = sys.stderr if as_json else sys.stdout
        lines = explanation_lines(explanation, len(digest.items))
        print("\n".join(lines if explain else lines[-1:]), file=out)
    return 0


class Progress:
    """A one-line progress bar on stderr, for batches of more than a few files."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream

    def __call__(self, done: int, total: int) -> None:
        if total <= 3 or not self.stream.isatty():
            return
        width = 30
        filled = width * done // total
        self.stream.write(f"\r[{'#' * filled}{' ' * (width - filled)}] {done}/{total}")
        if done == total:
            self.stream.write("\n")
        self.stream.flush()


async def ingest_command(settings: Settings, targets: list[str]) -> int:
    import httpx

    from bot.sources.ingest import ingest_targets, shutdown_parsers
    from storage.db import connect

    db = await connect(settings.database_path)
    try:
        async with httpx.AsyncClient(timeout=20, follow_redirects=True) as client:
            report = await ingest_targets(
                db,
                targets,
                client,
                on_file=Progress(),
                merge_budget=float("inf"),
                default_tz=settings.default_tz,
            )
    finally:
        shutdown_parsers()
        await db.close()
    print(f"ingested: {report.summary()}")
    for what, why in report.failed:
        print(f"  failed: {what}: {why}")
    return 1 if report.failed else 0


async def search_command(settings: Settings, query: str, offset: int, limit: int) -> int:
    """The same search as /search, every hit of the page printed (no message limit),
    in the terminal's language (LANG); when there are more, how to see them."""
    import os
    import shlex

    from bot.digest.markup import html_to_plain
    from bot.digest.render_search import SEARCH_MORE, SEARCH_MORE_AT_LEAST, render_search_page
    from bot.i18n import language_for, tp
    from storage.db import connect
    from storage.search import search

    lang = language_for(os.environ.get("LC_ALL") or os.environ.get("LANG"))
    db = await connect(settings.database_path)
    try:
        page = await search(db, query, offset=offset, limit=limit)
    finally:
        await db.close()
    print(html_to_plain(render_search_page(page, tz=settings.default_tz, lang=lang, fit=False)))
    if not page.hits:
        return 1
    if page.has_more:
        first, last = page.offset + 1, page.offset + len(page.hits)
        command = ["digest-bot", "search", query, "--offset", str(last)]
        if page.limit != 5:
            command += ["--limit", str(page.limit)]
        text = SEARCH_MORE if page.total_exact else SEARCH_MORE_AT_LEAST
        values = {"first": first, "last": last, "total": page.total}
        print("\n" + tp(lang, text, command=shlex.join(command), **values))
    return 0
