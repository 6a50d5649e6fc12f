"""What happens to chats: a group becomes a supergroup, the bot is removed or blocked."""

from __future__ import annotations

import logging

from telegram import Update

from bot.telegram.context import BotContext
from storage import subscribers as subs
from storage.subscribers import ChatStatus

log = logging.getLogger(__name__)


async def on_group_migrated(update: Update, context: BotContext) -> None:
    """A group that became a supergroup keeps its subscription under the new id."""
    message = update.effective_message
    if message.migrate_to_chat_id:
        await subs.migrate_chat(context.services.db, message.chat.id, message.migrate_to_chat_id)
        log.info(
            "group migrated to supergroup %s", message.migrate_to_chat_id,
            extra={"chat_id": message.chat.id},
        )  # fmt: skip


async def on_membership_change(update: Update, context: BotContext) -> None:
    """Removed from a group or channel, or blocked in a private chat: stop sending there."""
    change = update.my_chat_member
    if change.new_chat_member.status in ("kicked", "left"):
        db = context.services.db
        if await subs.get_subscriber(db, change.chat.id) is not None:
            await subs.set_status(db, change.chat.id, ChatStatus.BLOCKED)
            log.info("bot removed from chat: subscriber blocked", extra={"chat_id": change.chat.id})
