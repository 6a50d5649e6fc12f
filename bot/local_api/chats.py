"""The Bot API methods about the bot, chats, members and commands: getMe, getChat,
getChatMember, getChatAdministrators, set/get/deleteMyCommands, answerCallbackQuery."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.local_api.errors import QUERY_TOO_OLD, ApiError
from bot.local_api.state import BOT_FIRST_NAME, State

__all__ = ["ChatMethods"]

MAX_ALERT_TEXT = 200


class ChatMethods:
    def __init__(self, state: State, *, supports_inline_queries: bool = True) -> None:
        self.state = state
        self.supports_inline_queries = supports_inline_queries

    def handlers(self) -> dict[str, Callable[[dict], Awaitable[Any]]]:
        return {
            "getMe": self.get_me,
            "logOut": _true,
            "close": _true,
            "getChat": self.get_chat,
            "getChatMember": self.get_chat_member,
            "getChatAdministrators": self.get_chat_administrators,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "answerCallbackQuery": self.answer_callback_query,
        }

    async def get_me(self, params: dict) -> dict:
        return {
            "id": self.state.bot_id,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": self.state.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": self.supports_inline_queries,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def get_chat(self, params: dict) -> dict:
        chat_id = self.state.resolve_chat_id(params.get("chat_id"))
        return {
            **self.state.chat(chat_id),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def get_chat_member(self, params: dict) -> dict:
        chat_id = self.state.resolve_chat_id(params.get("chat_id"))
        user_id = params.get("user_id")
        if not isinstance(user_id, int):
            raise ApiError(400, "Bad Request: invalid user_id specified")
        return self.state.member(chat_id, user_id)

    async def get_chat_administrators(self, params: dict) -> list[dict]:
        chat_id = self.state.resolve_chat_id(params.get("chat_id"))
        if self.state.chat(chat_id)["type"] == "private":
            raise ApiError(400, "Bad Request: there are no administrators in the private chat")
        return self.state.administrators(chat_id)

    async def set_my_commands(self, params: dict) -> bool:
        self.state.commands.set(params)
        return True

    async def get_my_commands(self, params: dict) -> list[dict]:
        return self.state.commands.get(params)

    async def delete_my_commands(self, params: dict) -> bool:
        self.state.commands.delete(params)
        return True

    async def answer_callback_query(self, params: dict) -> bool:
        if not params.get("callback_query_id"):
            raise ApiError(400, QUERY_TOO_OLD)
        text = params.get("text")
        if isinstance(text, str) and len(text) > MAX_ALERT_TEXT:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True


async def _true(params: dict) -> bool:
    return True
