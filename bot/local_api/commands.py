"""The bot's command lists, kept per (scope, language_code) as Telegram keeps them, and the
list a given user in a given chat is shown (Telegram's documented order of fallbacks)."""

from __future__ import annotations

import re
from typing import Any

from bot.local_api.errors import ApiError

__all__ = ["CommandStore", "scope_key"]

ScopeKey = tuple[str, int | None, int | None]  # (type, chat_id, user_id)

_SCOPES_WITH_CHAT = ("chat", "chat_administrators", "chat_member")
_SCOPE_TYPES = ("default", "all_private_chats", "all_group_chats", "all_chat_administrators")
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE = re.compile(r"[a-z]{2}")


def scope_key(scope: Any) -> ScopeKey:
    """A BotCommandScope (a dict, a type name, or None for the default) as a dict key."""
    if scope is None:
        return ("default", None, None)
    if isinstance(scope, str):
        scope = {"type": scope}
    if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES + _SCOPES_WITH_CHAT:
        raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
    kind = scope["type"]
    if kind not in _SCOPES_WITH_CHAT:
        return (kind, None, None)
    chat_id = scope.get("chat_id")
    if not isinstance(chat_id, int):
        raise ApiError(400, "Bad Request: chat not found")
    if kind != "chat_member":
        return (kind, chat_id, None)
    user_id = scope.get("user_id")
    if not isinstance(user_id, int):
        raise ApiError(400, "Bad Request: invalid user_id specified")
    return (kind, chat_id, user_id)


def _language(params: dict) -> str:
    code = params.get("language_code") or ""
    if code and not _LANGUAGE.fullmatch(code):
        raise ApiError(400, "Bad Request: invalid language code specified")
    return code


class CommandStore:
    """setMyCommands / getMyCommands / deleteMyCommands."""

    def __init__(self) -> None:
        self.lists: dict[tuple[ScopeKey, str], list[dict]] = {}

    def set(self, params: dict) -> None:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        checked = []
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND.fullmatch(
                str(command.get("command", ""))
            ):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            checked.append({"command": command["command"], "description": description})
        key = (scope_key(params.get("scope")), _language(params))
        if checked:
            self.lists[key] = checked
        else:  # an empty list is a deletion
            self.lists.pop(key, None)

    def get(self, params: dict) -> list[dict]:
        return list(self.lists.get((scope_key(params.get("scope")), _language(params)), []))

    def delete(self, params: dict) -> None:
        self.lists.pop((scope_key(params.get("scope")), _language(params)), None)

    def for_scope(self, scope: Any = None, language_code: str = "") -> list[dict]:
        return list(self.lists.get((scope_key(scope), language_code), []))

    def seen_by(
        self, chat_id: int, chat_type: str, user_id: int | None, is_admin: bool, language: str
    ) -> list[dict]:
        """The list Telegram shows `user_id` in the chat: the first scope set, in its order."""
        if chat_type == "private":
            scopes: list[ScopeKey] = [("chat", chat_id, None), ("all_private_chats", None, None)]
        else:
            scopes = [("chat_member", chat_id, user_id)] if user_id is not None else []
            if is_admin:
                scopes.append(("chat_administrators", chat_id, None))
            scopes.append(("chat", chat_id, None))
            if is_admin:
                scopes.append(("all_chat_administrators", None, None))
            scopes.append(("all_group_chats", None, None))
        scopes.append(("default", None, None))
        for scope in scopes:
            for code in ([language] if language else []) + [""]:
                found = self.lists.get((scope, code))
                if found:
                    return list(found)
        return []
