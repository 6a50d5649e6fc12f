"""Channels: commands posted in a channel, and /channels, which manages them from a
private chat.

In a channel every post is the channel speaking, so anyone who may post there may
configure it (bot/telegram/permissions.py). From a private chat, /channels lists the
channels the bot is an administrator of (remembered from its membership updates) where
the user is an admin, asked with getChatMember every time, each with its settings
keyboard; every press asks again.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.i18n import t, tp
from bot.preferences import SettingError, parse_setting
from bot.telegram import keyboards, membership, texts
from bot.telegram.context import BotContext
from bot.telegram.parts import chat_of, query_of
from bot.telegram.permissions import is_chat_admin
from bot.telegram.replies import chat_state, clean_input, edit_html, reply
from storage import channels as channel_store
from storage import digest_sources
from storage import subscribers as subs
from storage.channels import BotChannel
from storage.subscribers import ChatStatus, Subscriber

log = logging.getLogger(__name__)

MAX_CHECKED = 200  # channels asked about per /channels (getChatMember each)
MAX_PANELS = 10  # panels sent per /channels; the rest are found by name
PANEL_SOURCES = 10  # source toggles on a panel; /sources in the channel lists them all
CHECKS_AT_ONCE = 8


async def guard_channel_post(update: Update, context: BotContext) -> None:
    """Before any command posted in a channel: where the bot may not post (not an
    administrator, or without the right to post), it cannot answer: silence."""
    chat = chat_of(update)
    channel = await membership.bot_channel(context, chat.id, chat.title)
    if channel is None or not channel.can_post:
        log.info("command in a channel where the bot may not post: ignored",
                 extra={"chat_id": chat.id})  # fmt: skip
        raise ApplicationHandlerStop


# ---- /channels ---------------------------------------------------------------------------


async def channels_command(update: Update, context: BotContext) -> None:
    state = await chat_state(update, context)
    lang = state.lang
    user = update.effective_user
    if chat_of(update).type != ChatType.PRIVATE or user is None:
        await reply(update, context, t(lang, texts.CHANNELS_PRIVATE_ONLY))
        return
    db = context.services.db
    words = clean_input(" ".join(context.args or []), 100)
    found = await channel_store.admin_channels(db, first_for=user.id, limit=MAX_CHECKED)
    if words:
        found = [c for c in found if words.casefold() in (c.title or "").casefold()]
    managed = await _managed_by(context, found, user.id)
    if not managed:
        text = texts.CHANNELS_NONE_MATCHING if words else texts.CHANNELS_NONE
        await reply(update, context, t(lang, text, words=words))
        return
    stored = await subs.get_subscribers(db, [c.chat_id for c in managed[:MAX_PANELS]])
    for channel in managed[:MAX_PANELS]:
        subscriber = stored.get(channel.chat_id) or _not_subscribed(channel, lang)
        await reply(
            update,
            context,
            panel_text(channel, subscriber, lang),
            reply_markup=await panel_keyboard(context, subscriber, lang),
        )
    if len(managed) > MAX_PANELS:
        await reply(update, context, t(lang, texts.CHANNELS_MORE, count=len(managed) - MAX_PANELS))


async def _managed_by(
    context: BotContext, found: list[BotChannel], user_id: int
) -> list[BotChannel]:
    """The channels of `found` the user is an admin of now, in order."""
    gate = asyncio.Semaphore(CHECKS_AT_ONCE)

    async def check(channel: BotChannel) -> bool:
        async with gate:
            return await is_chat_admin(context, channel.chat_id, user_id)

    allowed = await asyncio.gather(*(check(channel) for channel in found))
    return [channel for channel, ok in zip(found, allowed, strict=True) if ok]


async def panel_keyboard(
    context: BotContext, subscriber: Subscriber, lang: str
) -> InlineKeyboardMarkup:
    """The panel's buttons: its settings, and its first PANEL_SOURCES sources to take or
    drop (the rest by /sources posted in the channel)."""
    db = context.services.db
    listed = [s.name for s in await digest_sources.list_sources(db) if s.configured]
    taken = await digest_sources.taken_sources(db, subscriber.chat_id, 0, subscriber.language)
    sources = [(name, name in taken) for name in listed[:PANEL_SOURCES]]
    return keyboards.channel_keyboard(subscriber.chat_id, subscriber, lang, sources)


async def toggle_source(
    context: BotContext, channel: BotChannel, existing: Subscriber | None, token: str, lang: str
) -> bool:
    """A channel's source taken or dropped by its button; False when none has the token."""
    db = context.services.db
    found = [s.name for s in await digest_sources.list_sources(db)
             if keyboards.keyword_token(s.name) == token]  # fmt: skip
    if not found:
        return False
    if existing is None:  # a channel set up before its first /start
        existing = await subs.update_preferences(
            db, channel.chat_id, kind="channel", title=channel.title, lang=lang
        )
    taken = await digest_sources.taken_sources(db, channel.chat_id, 0, existing.language)
    await digest_sources.choose(db, channel.chat_id, 0, found[0], found[0] not in taken)
    return True


def _not_subscribed(channel: BotChannel, lang: str) -> Subscriber:
    """A channel never set up, as it would be stored: in the language of who sets it up."""
    return Subscriber(
        chat_id=channel.chat_id,
        kind="channel",
        title=channel.title,
        status=ChatStatus.PAUSED,
        lang=lang,
    )


def panel_text(channel: BotChannel, subscriber: Subscriber, lang: str) -> str:
    """The channel's name, its status and settings (in the reader's language)."""
    title = channel.title or subscriber.title or str(channel.chat_id)
    lines = [t(lang, texts.CHANNEL_PANEL_TITLE, title=title[:128])]
    if not channel.can_post:
        lines.append(t(lang, texts.CHANNEL_CANNOT_POST))
    lines.append(keyboards.settings_lines(subscriber, lang))
    lines += ["", t(lang, texts.CHANNEL_PANEL_FOOTER)]
    return "\n".join(lines)


async def on_channel_button(update: Update, context: BotContext) -> None:
    """A press on a channel's panel in a private chat: the presser must be the channel's
    admin now, and the bot still one there."""
    query = query_of(update)
    lang = (await chat_state(update, context)).lang
    _, chat_text, name, value = (query.data or "").split(":", 3)
    chat_id = int(chat_text)
    db = context.services.db
    if not await is_chat_admin(context, chat_id, query.from_user.id):
        await query.answer(tp(lang, texts.CHANNEL_NOT_ADMIN), show_alert=True)
        return
    channel = await channel_store.get_channel(db, chat_id)
    if channel is None or not channel.is_admin:
        await query.answer(tp(lang, texts.CHANNEL_GONE), show_alert=True)
        return
    existing = await subs.get_subscriber(db, chat_id)
    if name == "source":
        if not await toggle_source(context, channel, existing, value, lang):
            await query.answer(tp(lang, texts.BUTTON_OUT_OF_DATE), show_alert=True)
            return
    elif name == "status":
        if value == ChatStatus.ACTIVE:
            await subs.subscribe(db, chat_id, kind="channel", title=channel.title,
                                 lang=existing.lang if existing else lang)  # fmt: skip
        elif existing is not None:
            await subs.set_status(db, chat_id, ChatStatus.PAUSED)
    else:
        try:
            values = parse_setting(name, value)
        except SettingError:
            await query.answer(tp(lang, texts.BUTTON_OUT_OF_DATE), show_alert=True)
            return
        if existing is None:  # a channel set up before its first /start
            values = {"kind": "channel", "title": channel.title, "lang": lang, **values}
        await subs.update_preferences(db, chat_id, **values)
    await query.answer(tp(lang, texts.TOAST_SAVED))
    subscriber = await subs.get_subscriber(db, chat_id) or _not_subscribed(channel, lang)
    await edit_html(
        query,
        panel_text(channel, subscriber, lang),
        await panel_keyboard(context, subscriber, lang),
    )
