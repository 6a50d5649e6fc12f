"""The user side: what people do in Telegram, turned into updates for the bot (messages,
channel posts, button presses, inline queries, membership changes, forum topics)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bot.local_api.markup import utf16_len
from bot.local_api.state import DEFAULT_GROUP_USER_ID, State

__all__ = ["UserSide"]


def _command_entities(text: str) -> list[dict]:
    """A command needs a bot_command entity, or PTB's CommandHandler ignores it."""
    if not text.startswith("/"):
        return []
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]


class UserSide:
    def __init__(self, state: State, deliver: Callable[[dict], int]) -> None:
        self.state = state
        self.deliver = deliver  # queues an update, returns its update_id

    def send_user_message(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
        first_name: str | None = None,
        chat_title: str | None = None,
        language_code: str | None = None,
        username: str | None = None,
        message_thread_id: int | None = None,
        reply_to_message_id: int | None = None,
    ) -> int | None:
        state = self.state
        if chat_type is None:
            chat_type = state.chat(chat_id)["type"]
        if chat_type == "channel":
            return self.post_in_channel(chat_id, text, title=chat_title)
        if user_id is None:
            user_id = chat_id if chat_type == "private" else DEFAULT_GROUP_USER_ID
        user = state.user(
            user_id, first_name=first_name, language_code=language_code, username=username
        )
        state.add_chat(chat_id, chat_type, title=chat_title, first_name=user["first_name"])
        status = state.member(chat_id, state.bot_id)["status"]
        if chat_type == "private" and status == "kicked":
            # Writing to a bot the user blocked unblocks it ("Restart"), as in Telegram.
            self.set_bot_member(chat_id, "member", by_user_id=user_id)
        elif status in ("left", "kicked"):
            return None  # the bot is not in the group: nothing reaches it
        if message_thread_id is not None:
            topic = state.topics.get(chat_id, {}).get(message_thread_id)
            if topic is None:  # made on the way (and the chat a forum)
                topic = state.add_topic(chat_id, f"Topic {message_thread_id}", message_thread_id)
            if topic.deleted:
                raise LookupError(f"topic {message_thread_id} of chat {chat_id} was deleted")
        replied = None
        if reply_to_message_id is not None:
            key = (chat_id, reply_to_message_id)
            replied = state.bot_messages.get(key) or state.user_messages.get(key)
            if replied is None:
                raise LookupError(f"no message {reply_to_message_id} in chat {chat_id}")
        message = self._message(state.chats[chat_id], text)
        message["from"] = user
        if message_thread_id is not None:
            message["message_thread_id"] = message_thread_id
            message["is_topic_message"] = True
        if replied is not None:  # one level deep, as in Telegram
            replied = {k: v for k, v in replied.items() if k != "reply_to_message"}
            message["reply_to_message"] = replied
        state.user_messages[(chat_id, message["message_id"])] = message
        return self.deliver({"message": message})

    def post_in_channel(
        self,
        chat_id: int,
        text: str,
        *,
        title: str | None = None,
        username: str | None = None,
        author_signature: str | None = None,
    ) -> int | None:
        state = self.state
        chat = state.add_chat(chat_id, "channel", title=title, username=username)
        if state.member(chat_id, state.bot_id)["status"] not in ("administrator", "creator"):
            return None  # only administrators get channel posts
        message = self._message(chat, text)
        message["sender_chat"] = dict(chat)  # posted as the channel: no `from`
        if author_signature:
            message["author_signature"] = author_signature
        state.user_messages[(chat_id, message["message_id"])] = message
        return self.deliver({"channel_post": message})

    def press_button(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
        first_name: str | None = None,
        language_code: str | None = None,
    ) -> int:
        state = self.state
        message = state.bot_messages.get((chat_id, message_id))
        if message is None:
            sent = sorted(m for c, m in state.bot_messages if c == chat_id)
            raise LookupError(
                f"no message {message_id} from the bot in chat {chat_id} "
                f"(the bot's message ids there: {sent})"
            )
        if user_id is None:
            kind = chat_type or state.chat(chat_id)["type"]
            user_id = chat_id if kind == "private" else DEFAULT_GROUP_USER_ID
        query = {
            "id": state.new_query_id(),
            "from": state.user(user_id, first_name=first_name, language_code=language_code),
            "message": message,
            "chat_instance": str(chat_id),
            "data": data,
        }
        return self.deliver({"callback_query": query})

    def send_inline_query(
        self,
        user_id: int,
        query: str,
        *,
        offset: str = "",
        chat_type: str | None = "sender",
        first_name: str | None = None,
        language_code: str | None = None,
        username: str | None = None,
    ) -> str:
        state = self.state
        query_id = state.new_query_id()
        update: dict[str, Any] = {
            "id": query_id,
            "from": state.user(
                user_id, first_name=first_name, language_code=language_code, username=username
            ),
            "query": query,
            "offset": offset,
        }
        if chat_type is not None:
            update["chat_type"] = chat_type
        state.add_inline_query(query_id, user_id, query)
        self.deliver({"inline_query": update})
        return query_id

    def set_bot_member(
        self,
        chat_id: int,
        status: str,
        *,
        by_user_id: int | None = None,
        chat_type: str | None = None,
        title: str | None = None,
        **rights: Any,
    ) -> int | None:
        state = self.state
        if chat_type is not None:
            chat = state.add_chat(chat_id, chat_type, title=title)
        else:
            chat = state.chat(chat_id)
        old, new = state.set_member(chat_id, state.bot_id, status, rights)
        if old == new:
            return None
        if by_user_id is None:
            by_user_id = chat_id if chat["type"] == "private" else self._owner(chat_id)
        update = {
            "chat": dict(chat),
            "from": state.user(by_user_id),
            "date": int(time.time()),
            "old_chat_member": old,
            "new_chat_member": new,
        }
        return self.deliver({"my_chat_member": update})

    def set_chat_member(self, chat_id: int, user_id: int, status: str, **fields: Any) -> int | None:
        if user_id == self.state.bot_id:
            return self.set_bot_member(chat_id, status, **fields)
        self.state.user(user_id)
        self.state.set_member(chat_id, user_id, status, fields)
        return None

    def set_chat_admins(self, chat_id: int, user_ids: set[int]) -> None:
        state = self.state
        for user_id, fields in list(state.members.get(chat_id, {}).items()):
            demoted = fields["status"] == "administrator" and user_id not in user_ids
            if demoted and user_id != state.bot_id:
                state.set_member(chat_id, user_id, "member", {})
        for user_id in user_ids:
            state.set_member(chat_id, user_id, "administrator", {})

    def create_forum_topic(
        self, chat_id: int, name: str = "Topic", *, title: str | None = None
    ) -> int:
        state = self.state
        if title:
            state.add_chat(chat_id, state.chat(chat_id)["type"], title=title)
        return state.add_topic(chat_id, name).thread_id  # the chat becomes a forum

    def delete_forum_topic(self, chat_id: int, message_thread_id: int) -> None:
        state = self.state
        topic = state.topics.get(chat_id, {}).get(message_thread_id)
        if topic is None:
            raise LookupError(f"no topic {message_thread_id} in chat {chat_id}")
        topic.deleted = True
        # Deleting a topic deletes its messages.
        for store in (state.bot_messages, state.user_messages):
            for key, message in list(store.items()):
                if key[0] == chat_id and message.get("message_thread_id") == message_thread_id:
                    del store[key]

    # -- helpers

    def _message(self, chat: dict, text: str) -> dict:
        message: dict[str, Any] = {
            "message_id": self.state.new_message_id(chat["id"]),
            "chat": dict(chat),
            "date": int(time.time()),
            "text": text,
        }
        entities = _command_entities(text)
        if entities:
            message["entities"] = entities
        return message

    def _owner(self, chat_id: int) -> int:
        for user_id, fields in self.state.members.get(chat_id, {}).items():
            if fields["status"] == "creator":
                return user_id
        return DEFAULT_GROUP_USER_ID
