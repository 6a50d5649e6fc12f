"""What the stand-in knows about the world: the bot, chats, users, who is a member of which
chat with which rights, forum topics, the messages in each chat, files, and inline queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.local_api.commands import CommandStore
from bot.local_api.errors import THREAD_NOT_FOUND, ApiError
from bot.local_api.members import member_fields

__all__ = ["BOT_FIRST_NAME", "DEFAULT_GROUP_USER_ID", "State", "Topic"]

DEFAULT_GROUP_USER_ID = 1001  # who speaks in a group when the test does not say
BOT_FIRST_NAME = "Digest Test Bot"
CHAT_TYPES = ("private", "group", "supergroup", "channel")


@dataclass(slots=True)
class Topic:
    """A forum topic; its message_thread_id is the id of the message that created it."""

    thread_id: int
    name: str
    deleted: bool = False


@dataclass(slots=True)
class InlineQuery:
    query_id: str
    user_id: int
    query: str
    answered: bool = False


class State:
    def __init__(self, bot_id: int, username: str) -> None:
        self.bot_id = bot_id
        self.username = username
        self.chats: dict[int, dict] = {}
        self.users: dict[int, dict] = {}
        # chat -> user -> ChatMember fields (no `user`); absent: the default for the chat
        self.members: dict[int, dict[int, dict]] = {}
        self.topics: dict[int, dict[int, Topic]] = {}
        self.bot_messages: dict[tuple[int, int], dict] = {}  # latest version of each
        self.user_messages: dict[tuple[int, int], dict] = {}
        self.files: dict[str, bytes] = {}  # file_id -> bytes of photos the bot uploaded
        self.inline_queries: dict[str, InlineQuery] = {}
        self.commands = CommandStore()
        self._next_message_id: dict[int, int] = {}
        self._query_ids = 0
        self._file_ids = 0

    # -- chats

    def chat(self, chat_id: int) -> dict:
        """The chat, made up from its id when first seen (-100... is a supergroup)."""
        chat = self.chats.get(chat_id)
        if chat is None:
            if chat_id > 0:
                chat = {"id": chat_id, "type": "private", "first_name": "Tester"}
            elif str(chat_id).startswith("-100"):
                chat = {"id": chat_id, "type": "supergroup", "title": f"Chat {chat_id}"}
            else:
                chat = {"id": chat_id, "type": "group", "title": f"Chat {chat_id}"}
            self.chats[chat_id] = chat
        return chat

    def add_chat(
        self,
        chat_id: int,
        chat_type: str,
        *,
        title: str | None = None,
        username: str | None = None,
        first_name: str | None = None,
        is_forum: bool | None = None,
    ) -> dict:
        """Declare (or update) a chat; unchanged fields keep their values."""
        if chat_type not in CHAT_TYPES:
            raise ValueError(f"unknown chat type {chat_type!r}; one of {CHAT_TYPES}")
        old = self.chats.get(chat_id, {})
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = first_name or old.get("first_name") or "Tester"
        else:
            chat["title"] = title or old.get("title") or f"Chat {chat_id}"
        if username or old.get("username"):
            chat["username"] = username or old["username"]
        if chat_type == "supergroup" and (is_forum or (is_forum is None and old.get("is_forum"))):
            chat["is_forum"] = True
        self.chats[chat_id] = chat
        return chat

    def resolve_chat_id(self, value: Any) -> int:
        """A chat_id parameter: an integer, or "@username" of a known chat."""
        if value is None or value == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.startswith("@"):
            for chat in self.chats.values():
                if chat.get("username", "").lower() == value[1:].lower():
                    return chat["id"]
        raise ApiError(400, "Bad Request: chat not found")

    # -- users

    def bot_user(self) -> dict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": self.username,
        }

    def user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        language_code: str | None = None,
        username: str | None = None,
    ) -> dict:
        """A copy of the user, created or updated; None keeps what is known.

        A new user speaks "en"; language_code="" makes Telegram leave the field out.
        """
        user = self.users.get(user_id)
        if user is None:
            user = {"id": user_id, "is_bot": False, "first_name": "Tester", "language_code": "en"}
            self.users[user_id] = user
        if first_name is not None:
            user["first_name"] = first_name
        if username is not None:
            user["username"] = username
        if language_code == "":
            user.pop("language_code", None)
        elif language_code is not None:
            user["language_code"] = language_code
        return dict(user)

    def known_user(self, user_id: int) -> dict:
        if user_id == self.bot_id:
            return self.bot_user()
        user = self.users.get(user_id)
        return (
            dict(user)
            if user
            else {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        )

    # -- members

    def member(self, chat_id: int, user_id: int) -> dict:
        """getChatMember: the member's fields with its `user`."""
        fields = self.members.get(chat_id, {}).get(user_id)
        if fields is None:
            fields = self._default_member(chat_id, user_id)
        return {**fields, "user": self.known_user(user_id)}

    def _default_member(self, chat_id: int, user_id: int) -> dict:
        chat_type = self.chat(chat_id)["type"]
        # A bot receives channel posts only as an administrator, so a channel it hears
        # from is one where it is one.
        status = "administrator" if chat_type == "channel" and user_id == self.bot_id else "member"
        return member_fields(status, chat_type, {})

    def set_member(
        self, chat_id: int, user_id: int, status: str, fields: dict
    ) -> tuple[dict, dict]:
        """Set a membership; returns the (old, new) ChatMember with `user`."""
        old = self.member(chat_id, user_id)
        new_fields = member_fields(status, self.chat(chat_id)["type"], fields)
        self.members.setdefault(chat_id, {})[user_id] = new_fields
        return old, self.member(chat_id, user_id)

    def administrators(self, chat_id: int) -> list[dict]:
        """getChatAdministrators: the creator first, then administrators by user id."""
        found = [
            (fields["status"] != "creator", user_id)
            for user_id, fields in self.members.get(chat_id, {}).items()
            if fields["status"] in ("creator", "administrator")
        ]
        return [self.member(chat_id, user_id) for _, user_id in sorted(found)]

    def is_admin(self, chat_id: int, user_id: int) -> bool:
        return self.member(chat_id, user_id)["status"] in ("creator", "administrator")

    # -- forum topics

    def add_topic(self, chat_id: int, name: str, thread_id: int | None = None) -> Topic:
        chat = self.chat(chat_id)
        if chat["type"] != "supergroup":
            raise ValueError(f"chat {chat_id} is a {chat['type']}; only supergroups are forums")
        chat["is_forum"] = True
        if thread_id is None:
            thread_id = self.new_message_id(chat_id)
        else:  # keep later message ids past it
            self._next_message_id[chat_id] = max(self._next_message_id.get(chat_id, 0), thread_id)
        topic = Topic(thread_id, name)
        self.topics.setdefault(chat_id, {})[thread_id] = topic
        return topic

    def check_thread(self, chat_id: int, thread_id: Any) -> int | None:
        """A message_thread_id parameter as Telegram checks it for a send to the chat."""
        if thread_id is None or thread_id == "":
            return None
        chat = self.chat(chat_id)
        if chat["type"] not in ("group", "supergroup"):
            return thread_id if isinstance(thread_id, int) else None
        if not isinstance(thread_id, int):
            raise ApiError(400, THREAD_NOT_FOUND)
        if chat.get("is_forum"):
            topic = self.topics.get(chat_id, {}).get(thread_id)
            if topic is None or topic.deleted:
                raise ApiError(400, THREAD_NOT_FOUND)
        elif (chat_id, thread_id) not in self.user_messages and (
            (chat_id, thread_id) not in self.bot_messages
        ):
            raise ApiError(400, THREAD_NOT_FOUND)  # not a thread of replies either
        return thread_id

    # -- messages and files

    def new_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 0) + 1
        self._next_message_id[chat_id] = message_id
        return message_id

    def new_query_id(self) -> str:
        self._query_ids += 1
        return str(self._query_ids)

    def add_inline_query(self, query_id: str, user_id: int, query: str) -> None:
        self.inline_queries[query_id] = InlineQuery(query_id, user_id, query)

    def new_file_id(self, data: bytes, *, keep: bool = True) -> str:
        self._file_ids += 1
        file_id = f"photo-{self._file_ids}"
        if keep:
            self.files[file_id] = data
        return file_id
