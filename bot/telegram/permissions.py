"""Who may do what. These only check; the handlers say no in the chat's language."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from bot.telegram import texts
from bot.telegram.context import BotContext
from bot.telegram.parts import chat_of

log = logging.getLogger(__name__)

ADMIN_STATUSES = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


async def may_change_settings(update: Update, context: BotContext) -> bool:
    """Anyone in a private chat; in a channel, whoever may post (every post is the
    channel speaking), and for its buttons the channel's admins; in groups, the group's
    admins (an anonymous admin writes as the group) and the bot's admins. A failed
    getChatMember denies."""
    chat, user = chat_of(update), update.effective_user
    if chat.type == ChatType.PRIVATE:
        return True
    message = update.effective_message
    # A button's message is the bot's own (in a channel, signed by the channel): only a
    # post or a message says who speaks.
    if update.callback_query is None and message is not None and message.sender_chat:
        return message.sender_chat.id == chat.id
    if user is None:
        return False
    if user.id in context.services.settings.admin_ids:
        return True
    return await is_chat_admin(context, chat.id, user.id)


async def is_chat_admin(context: BotContext, chat_id: int, user_id: int) -> bool:
    """Is the user an administrator (or the owner) of the chat, asked now? A failed
    getChatMember denies."""
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError as error:
        log.warning("getChatMember failed, denying: %s", error, extra={"chat_id": chat_id})
        return False
    return member.status in ADMIN_STATUSES


def admins_only(update: Update) -> str:
    """The text that says only admins may change this chat's settings."""
    if chat_of(update).type == ChatType.CHANNEL:
        return texts.CHANNEL_ADMINS_ONLY
    return texts.ADMINS_ONLY


def is_bot_admin(update: Update, context: BotContext) -> bool:
    """Is the user in ADMIN_IDS? Refusals are logged."""
    user = update.effective_user
    allowed = user is not None and user.id in context.services.settings.admin_ids
    if not allowed:
        log.warning(
            "refused admin command from user %s",
            user.id if user else None,
            extra={"chat_id": chat_of(update).id, "update_id": update.update_id},
        )
    return allowed
