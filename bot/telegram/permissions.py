"""Who may do what. These only check; the handlers say no in the chat's language."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from bot.telegram.context import BotContext

log = logging.getLogger(__name__)

ADMIN_STATUSES = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


async def may_change_settings(update: Update, context: BotContext) -> bool:
    """Anyone in a private chat; in a channel, whoever may post (every post is the
    channel speaking); in groups, the group's admins (an anonymous admin writes as
    the group) and the bot's admins. A failed getChatMember denies."""
    chat, user = update.effective_chat, update.effective_user
    if chat.type == ChatType.PRIVATE:
        return True
    message = update.effective_message
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id
    if user is None:
        return False
    if user.id in context.services.settings.admin_ids:
        return True
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as error:
        log.warning("getChatMember failed, denying: %s", error, extra={"chat_id": chat.id})
        return False
    return member.status in ADMIN_STATUSES


def is_bot_admin(update: Update, context: BotContext) -> bool:
    """Is the user in ADMIN_IDS? Refusals are logged."""
    user = update.effective_user
    allowed = user is not None and user.id in context.services.settings.admin_ids
    if not allowed:
        log.warning(
            "refused admin command from user %s",
            user.id if user else None,
            extra={"chat_id": update.effective_chat.id, "update_id": update.update_id},
        )
    return allowed
