"""What happens to chats: a group becomes a supergroup, the bot is removed or blocked."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType

from bot.telegram import membership
from bot.telegram.context import BotContext
from bot.telegram.parts import member_change_of, message_of
from storage import subscribers as subs
from storage.subscribers import ChatStatus

log = logging.getLogger(__name__)


async def on_group_migrated(update: Update, context: BotContext) -> None:
    """A group that became a supergroup keeps its subscription under the new id."""
    message = message_of(update)
    if message.migrate_to_chat_id:
        await subs.migrate_chat(context.services.db, message.chat.id, message.migrate_to_chat_id)
        log.info(
            "group migrated to supergroup %s", message.migrate_to_chat_id,
            extra={"chat_id": message.chat.id},
        )  # fmt: skip


async def on_membership_change(update: Update, context: BotContext) -> None:
    """Removed from a group or channel, demoted in a channel (no right to post), or
    blocked in a private chat: stop sending there. A channel's membership is remembered
    (/channels lists the channels the bot is an administrator of)."""
    change = member_change_of(update)
    chat, member = change.chat, change.new_chat_member
    db = context.services.db
    if chat.type == ChatType.CHANNEL:
        by = change.from_user.id if change.from_user else None
        channel = await membership.remember(db, chat.id, member, title=chat.title, by=by)
        stopped = not channel.can_post
    else:
        stopped = member.status in ("kicked", "left")
    if stopped:  # the chat's own subscription and every forum topic's
        await subs.set_status(db, chat.id, ChatStatus.BLOCKED, thread_id=None)
        log.info("bot removed from chat: its subscriptions stop", extra={"chat_id": chat.id})
