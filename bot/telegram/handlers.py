"""Wires every handler into the Application: commands from the one table, one
CallbackQueryHandler per button kind, chat events, and the fallbacks."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.delivery.ratelimit import SendDropped
from bot.i18n import language_for, t, tp
from bot.telegram import (
    channels,
    chat_events,
    following,
    inline,
    keyboards,
    more,
    reading,
    settings,
    sources,
    subscription,
    texts,
)
from bot.telegram.commands import COMMANDS
from bot.telegram.context import BotContext
from bot.telegram.parts import message_of, query_of
from bot.telegram.replies import chat_state, clean_input, remember_user_language, reply

log = logging.getLogger(__name__)

# Commands come as messages in chats and as channel posts in channels.
COMMAND_UPDATES = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST

BUTTONS = {
    keyboards.SEARCH: reading.on_search_button,
    keyboards.TOPIC: following.on_topic_button,
    keyboards.KEYWORD: following.on_topic_button,
    keyboards.SETTING: settings.on_settings_button,
    keyboards.FORGET: subscription.on_forget_button,
    keyboards.CHANNEL: channels.on_channel_button,
    keyboards.MORE: more.on_more_button,
    keyboards.SOURCE: sources.on_source_button,
    keyboards.DIGESTS: reading.on_digests_button,
}


async def unknown_command(update: Update, context: BotContext) -> None:
    """In a private chat, a hint; in groups the command was for another bot: silence."""
    lang = (await chat_state(update, context)).lang
    command = clean_input((message_of(update).text or "/").split()[0], 40)
    await reply(update, context, t(lang, texts.UNKNOWN_COMMAND, command=command))


async def tell_flooding_chat(application: Application, update: Update) -> None:
    """Said once to a chat whose updates were dropped (bot/telegram/updates.py)."""
    user = update.effective_user
    lang = language_for(user.language_code if user else None)
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.CHANNEL:  # inline queries; a channel's posts
        return
    await application.bot.send_message(chat.id, t(lang, texts.FLOOD_NOTICE), parse_mode="HTML")


async def out_of_date_button(update: Update, context: BotContext) -> None:
    """Button data no handler's pattern admits (old, or forged)."""
    lang = (await chat_state(update, context)).lang if update.effective_chat else "en"
    await query_of(update).answer(tp(lang, texts.BUTTON_OUT_OF_DATE), show_alert=True)


async def on_error(update: object, context: BotContext) -> None:
    """Log the update id and the exception (never the token), tell the user without details."""
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(context.error, SendDropped):  # stopping: the reply is dropped
        log.info("reply not sent: the bot is stopping", extra={"update_id": update_id})
        return
    log.error(
        "error while handling an update: %r",
        context.error,
        exc_info=context.error,
        extra={"update_id": update_id},
    )
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    lang = "en"
    with contextlib.suppress(Exception):  # storage may be what failed
        lang = (await chat_state(update, context)).lang
    with contextlib.suppress(TelegramError):  # the chat may be gone; logged above
        if update.callback_query is not None:
            await update.callback_query.answer(
                tp(lang, texts.SOMETHING_WENT_WRONG), show_alert=True
            )
        else:
            await reply(update, context, t(lang, texts.SOMETHING_WENT_WRONG))


async def drop_when_stopping(update: Update, context: BotContext) -> None:
    """After SIGTERM, updates still queued are dropped (counted, one line at the end):
    answering 1,000 of them at the send rate would outlast Docker's 10 s."""
    services = context.services
    if services.stopping:
        services.dropped_updates += 1
        raise ApplicationHandlerStop


async def log_update(update: Update, context: BotContext) -> None:
    """One line per incoming update: what kind, never the user's text (privacy)."""
    if update.callback_query:
        what = f"button {(update.callback_query.data or '').split(':')[0][:16]}"
    elif (text := update.effective_message and update.effective_message.text) and text[0] == "/":
        what = text.split()[0].split("@")[0][:32]
    elif update.my_chat_member:
        what = f"membership {update.my_chat_member.new_chat_member.status}"
    else:
        what = "message"
    chat = update.effective_chat
    log.info(
        "update: %s",
        what,
        extra={"update_id": update.update_id, "chat_id": chat.id if chat else None},
    )


def add_handlers(application: Application) -> None:
    application.add_handler(TypeHandler(Update, drop_when_stopping), group=-3)
    application.add_handler(TypeHandler(Update, log_update), group=-2)
    # A command in a channel where the bot may not post cannot be answered: stop there.
    application.add_handler(
        MessageHandler(
            filters.UpdateType.CHANNEL_POST & filters.COMMAND, channels.guard_channel_post
        ),
        group=-1,
    )
    for command in COMMANDS:
        application.add_handler(
            CommandHandler(command.name, command.handler, filters=COMMAND_UPDATES)
        )
    # Empty button data matches any pattern in PTB's CallbackQueryHandler: caught first.
    application.add_handler(CallbackQueryHandler(out_of_date_button, pattern=lambda _: False))
    for kind, handler in BUTTONS.items():
        application.add_handler(CallbackQueryHandler(handler, pattern=keyboards.PATTERNS[kind]))
    application.add_handler(CallbackQueryHandler(out_of_date_button))
    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(private & filters.COMMAND, unknown_command))
    application.add_handler(
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, reading.plain_text)
    )
    application.add_handler(
        MessageHandler(filters.StatusUpdate.MIGRATE, chat_events.on_group_migrated)
    )
    application.add_handler(
        ChatMemberHandler(chat_events.on_membership_change, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(InlineQueryHandler(inline.on_inline_query))
    # After the handlers: a private chat's Telegram language, when it changed, in one
    # small write of its own (chat_state() only reads).
    application.add_handler(TypeHandler(Update, remember_user_language), group=1)
    application.add_error_handler(on_error)


__all__ = ["ChatType", "add_handlers"]
