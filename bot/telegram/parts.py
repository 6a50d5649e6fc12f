"""The parts of an update a handler needs. PTB types each part as optional (an update
carries one kind of thing); a handler registered for updates that have the part gets
it here, and an update without it is a wiring error that says which part was missing."""

from __future__ import annotations

from typing import TypeVar

from telegram import CallbackQuery, Chat, ChatMemberUpdated, InlineQuery, Message, Update

T = TypeVar("T")


class MissingPart(LookupError):
    """A handler got an update without the part it is registered for."""


def _need(part: T | None, update: Update, what: str) -> T:
    if part is None:
        raise MissingPart(f"update {update.update_id} has no {what}")
    return part


def chat_of(update: Update) -> Chat:
    """The chat of a message, channel post, button or membership change."""
    return _need(update.effective_chat, update, "chat")


def message_of(update: Update) -> Message:
    """The message (or channel post) of a message update."""
    return _need(update.effective_message, update, "message")


def query_of(update: Update) -> CallbackQuery:
    """The pressed button of a callback query update."""
    return _need(update.callback_query, update, "callback query")


def inline_query_of(update: Update) -> InlineQuery:
    return _need(update.inline_query, update, "inline query")


def member_change_of(update: Update) -> ChatMemberUpdated:
    """The bot's own membership change (my_chat_member)."""
    return _need(update.my_chat_member, update, "membership change")
