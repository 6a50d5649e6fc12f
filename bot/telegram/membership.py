"""The bot's own membership in channels: remembered from my_chat_member updates, asked
once with getChatMember when a channel speaks to the bot before any update told us."""

from __future__ import annotations

import logging

from telegram import ChatMember
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError

from bot.telegram.context import BotContext
from storage import channels
from storage.channels import BotChannel
from storage.db import Database

log = logging.getLogger(__name__)


def rights(member: ChatMember) -> tuple[bool, bool]:
    """(may post, may delete others' posts) for the bot with this membership in a channel."""
    if member.status == ChatMemberStatus.OWNER:
        return True, True
    if member.status == ChatMemberStatus.ADMINISTRATOR:
        return bool(getattr(member, "can_post_messages", False)), bool(
            getattr(member, "can_delete_messages", False)
        )
    return False, False


async def remember(
    db: Database,
    chat_id: int,
    member: ChatMember,
    *,
    title: str | None = None,
    by: int | None = None,
) -> BotChannel:
    can_post, can_delete = rights(member)
    return await channels.record_channel(
        db,
        chat_id,
        status=member.status,
        can_post=can_post,
        can_delete=can_delete,
        title=title,
        added_by=by,
    )


async def bot_channel(
    context: BotContext, chat_id: int, title: str | None = None
) -> BotChannel | None:
    """What the bot may do in the channel: as stored, else asked (and stored). None when
    Telegram cannot tell (a failed getChatMember grants nothing)."""
    db = context.services.db
    stored = await channels.get_channel(db, chat_id)
    if stored is not None:
        return stored
    try:
        member = await context.bot.get_chat_member(chat_id, context.bot.id)
    except TelegramError as error:
        log.warning("cannot learn the bot's rights in a channel: %s", error,
                    extra={"chat_id": chat_id})  # fmt: skip
        return None
    return await remember(db, chat_id, member, title=title)
