"""The commands: one table gives each its handler, its usage and its help line, for
/help, the command menu (setMyCommands, in English and Chinese) and the wiring."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import BotCommand, Update
from telegram.ext import ExtBot

from bot.i18n import LANGUAGES, t, tp
from bot.telegram import (
    admin,
    channels,
    following,
    reading,
    settings,
    sources,
    subscription,
    texts,
    trends,
)
from bot.telegram.context import BotContext
from bot.telegram.replies import chat_state, reply

Handler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class Command:
    name: str
    handler: Handler
    usage: str  # a text (bot/telegram/texts.py)
    help: str
    admin: bool = False


async def help_command(update: Update, context: BotContext) -> None:
    lang = (await chat_state(update, context)).lang
    lines = [t(lang, texts.HELP_TITLE)]
    lines += [_help_line(command, lang) for command in COMMANDS if not command.admin]
    lines += ["", t(lang, texts.HELP_FOOTER)]
    user = update.effective_user
    if user and user.id in context.services.settings.admin_ids:
        lines += ["", t(lang, texts.HELP_ADMIN_TITLE)]
        lines += [_help_line(command, lang) for command in COMMANDS if command.admin]
    await reply(update, context, "\n".join(lines))


def _help_line(command: Command, lang: str) -> str:
    return t(lang, texts.HELP_LINE, usage=tp(lang, command.usage), help=tp(lang, command.help))


COMMANDS: tuple[Command, ...] = (
    Command("start", subscription.start, texts.USAGE_START, texts.HELP_START),
    Command("stop", subscription.stop, texts.USAGE_STOP, texts.HELP_STOP),
    Command("latest", reading.latest, texts.USAGE_LATEST, texts.HELP_LATEST),
    Command("digests", reading.digests, texts.USAGE_DIGESTS, texts.HELP_DIGESTS),
    Command("sources", sources.sources_command, texts.USAGE_SOURCES, texts.HELP_SOURCES),
    Command("search", reading.search, texts.USAGE_SEARCH, texts.HELP_SEARCH),
    Command("follow", following.follow, texts.USAGE_FOLLOW, texts.HELP_FOLLOW),
    Command("unfollow", following.unfollow, texts.USAGE_UNFOLLOW, texts.HELP_UNFOLLOW),
    Command("topics", following.topics, texts.USAGE_TOPICS, texts.HELP_TOPICS),
    Command("mute", following.mute, texts.USAGE_MUTE, texts.HELP_MUTE),
    Command("unmute", following.unmute, texts.USAGE_UNMUTE, texts.HELP_UNMUTE),
    Command("settings", settings.settings_command, texts.USAGE_SETTINGS, texts.HELP_SETTINGS),
    Command("format", settings.typed_setting("format"), texts.USAGE_FORMAT, texts.HELP_FORMAT),
    Command("alerts", settings.typed_setting("alerts"), texts.USAGE_ALERTS, texts.HELP_ALERTS),
    Command(
        "previews", settings.typed_setting("previews"), texts.USAGE_PREVIEWS, texts.HELP_PREVIEWS
    ),
    Command("tz", settings.typed_setting("tz"), texts.USAGE_TZ, texts.HELP_TZ),
    Command("quiet", settings.typed_setting("quiet"), texts.USAGE_QUIET, texts.HELP_QUIET),
    Command("lang", settings.typed_setting("lang"), texts.USAGE_LANG, texts.HELP_LANG),
    Command(
        "schedule", settings.typed_setting("schedule"), texts.USAGE_SCHEDULE, texts.HELP_SCHEDULE
    ),
    Command("repeats", settings.typed_setting("repeats"), texts.USAGE_REPEATS, texts.HELP_REPEATS),
    Command(
        "messages", settings.typed_setting("messages"), texts.USAGE_MESSAGES, texts.HELP_MESSAGES
    ),
    Command("trends", trends.trends, texts.USAGE_TRENDS, texts.HELP_TRENDS),
    Command("forget", subscription.forget, texts.USAGE_FORGET, texts.HELP_FORGET),
    Command("channels", channels.channels_command, texts.USAGE_CHANNELS, texts.HELP_CHANNELS),
    Command("help", help_command, texts.USAGE_HELP, texts.HELP_HELP),
    Command("stats", admin.stats, texts.USAGE_STATS, texts.HELP_STATS, admin=True),
    Command("ingest", admin.ingest, texts.USAGE_INGEST, texts.HELP_INGEST, admin=True),
)


async def register_commands(bot: ExtBot) -> None:
    """The command menu: English by default, Chinese for users whose Telegram is in
    Chinese. Admin commands are left out (they answer only ADMIN_IDS)."""
    for lang in LANGUAGES:
        menu = [
            BotCommand(command.name, tp(lang, command.help))
            for command in COMMANDS
            if not command.admin
        ]
        await bot.set_my_commands(menu, language_code=None if lang == "en" else lang)
