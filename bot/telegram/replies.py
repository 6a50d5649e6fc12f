"""Answering a chat: Telegram HTML with a plain-text fallback, in the chat's language,
in the forum topic the command came from. A forum topic is a subscriber of its own
(storage/subscribers.py): (chat_id, thread_id)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from telegram import (
    CallbackQuery,
    Chat,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest

from bot.delivery.bad_requests import send_html_or_plain, topic_gone
from bot.i18n import Lang, language_for
from bot.telegram import membership
from bot.telegram.context import BotContext
from bot.telegram.parts import chat_of
from storage import subscribers as subs
from storage.subscribers import ChatStatus, Subscriber

log = logging.getLogger(__name__)

CHAT_KINDS = ("private", "group", "supergroup", "channel")


@dataclass(frozen=True)
class ChatState:
    """The chat a handler answers: its stored preferences (or the defaults of a chat the
    bot has not stored) and the language to answer in."""

    subscriber: Subscriber
    lang: Lang
    stored: bool


async def chat_state(update: Update, context: BotContext) -> ChatState:
    """Preferences and language of the update's chat (or forum topic), read only. A
    private chat follows its user's Telegram language until it picks one with /lang
    (remember_user_language stores it for pushes)."""
    chat = chat_of(update)
    user = update.effective_user
    db = context.services.db
    topic = topic_of(update)
    found = await subs.get_subscriber(db, chat.id, topic)
    user_lang = language_for(user.language_code) if user and user.language_code else None
    if found is None:
        subscriber = Subscriber(
            chat_id=chat.id,
            kind=chat_kind(chat),
            status=ChatStatus.PAUSED,
            user_lang=user_lang,
            thread_id=topic,
        )
        return ChatState(subscriber, language_for(subscriber.lang or user_lang), stored=False)
    return written_state(update, found)


def written_state(update: Update, subscriber: Subscriber) -> ChatState:
    """The chat's state from a subscriber row a write returned: a reply describes what its
    own command wrote, not what a later read happens to see (another snapshot)."""
    chat, user = update.effective_chat, update.effective_user
    private = chat is not None and chat.type == ChatType.PRIVATE
    user_lang = language_for(user.language_code) if user and user.language_code else None
    lang = subscriber.lang or (user_lang if private else None) or subscriber.language
    return ChatState(subscriber, language_for(lang), stored=True)


async def remember_user_language(update: Update, context: BotContext) -> None:
    """After the handlers: a private chat's Telegram language, stored (for pushes) when
    it changed since the last update. One small write, only then; chat_state() reads."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or chat.type != ChatType.PRIVATE or user is None or not user.language_code:
        return
    user_lang = language_for(user.language_code)
    db = context.services.db
    found = await subs.get_subscriber(db, chat.id)
    if found is not None and found.user_lang != user_lang:
        await subs.update_preferences(db, chat.id, user_lang=user_lang)  # no topics


def clean_input(text: str, limit: int) -> str:
    """User text fit to store and send: valid UTF-8 (lone surrogates dropped; they
    cannot be bound to SQLite or sent to the Bot API), trimmed, at most `limit` chars."""
    return text.encode("utf-8", "ignore").decode("utf-8").strip()[:limit]


def chat_kind(chat: Chat) -> str:
    return chat.type if chat.type in CHAT_KINDS else "private"


def chat_title(chat: Chat) -> str | None:
    return chat.title or chat.full_name or chat.username


def thread_of(update: Update) -> int | None:
    """The forum topic an update came from, so the answer goes there too."""
    message = update.effective_message
    if message is not None and message.is_topic_message:
        return message.message_thread_id
    return None


def topic_of(update: Update) -> int:
    """The subscriber's thread_id for the update: its forum topic, 0 for the chat itself
    (a forum's General topic included)."""
    return thread_of(update) or 0


async def send_html(
    context: BotContext,
    chat_id: int,
    text: str,
    *,
    thread_id: int | None = None,
    previews: bool = False,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> Message:
    """Send Telegram HTML; if Telegram cannot parse it, the same words as plain text."""
    options = LinkPreviewOptions(is_disabled=not previews)

    def send(words: str, parse_mode: str | None) -> Awaitable[Message]:
        return context.bot.send_message(
            chat_id,
            words,
            parse_mode=parse_mode,
            link_preview_options=options,
            reply_markup=reply_markup,
            message_thread_id=thread_id,
        )

    return await send_html_or_plain(send, text, chat_id=chat_id)


async def reply(update: Update, context: BotContext, text: str, **kwargs: Any) -> Message | None:
    """Answer in the update's chat (and forum topic). In a channel, the command post and
    the answer are deleted after a while (bot/telegram/cleanup.py). A forum topic deleted
    meanwhile gets no answer, and its subscription stops: None."""
    chat = chat_of(update)
    thread_id = thread_of(update)
    try:
        sent = await send_html(context, chat.id, text, thread_id=thread_id, **kwargs)
    except BadRequest as error:
        if not thread_id or not topic_gone(error):
            raise
        await subs.set_status(context.services.db, chat.id, ChatStatus.BLOCKED, thread_id=thread_id)
        log.info("forum topic %s is gone: its subscription stops", thread_id,
                 extra={"chat_id": chat.id})  # fmt: skip
        return None
    post = update.channel_post
    if post is not None:
        channel = await membership.bot_channel(context, chat.id, chat.title)
        ids = []
        if channel is not None and channel.can_delete:  # the owner's post
            ids.append(post.message_id)
        if channel is not None and (channel.can_post or channel.can_delete):  # our own
            ids.append(sent.message_id)
        context.services.cleanup.schedule(chat.id, post.message_id, ids)
    return sent


async def edit_html(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Replace a button's message; pressing the same button twice changes nothing."""
    try:
        await query.edit_message_text(
            text,
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            reply_markup=markup,
        )
    except BadRequest as error:
        if "message is not modified" not in error.message.lower():
            raise
