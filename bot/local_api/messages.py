"""The Bot API methods that put messages in chats, change them and delete them:
sendMessage, sendPhoto, editMessageText, editMessageCaption, editMessageReplyMarkup,
deleteMessage, deleteMessages."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from bot.local_api.errors import NOT_MODIFIED, ApiError
from bot.local_api.images import image_size
from bot.local_api.markup import check_caption, check_text
from bot.local_api.members import check_bot_may_write
from bot.local_api.params import UploadedFile
from bot.local_api.records import Recorder, SentMessage
from bot.local_api.state import State

__all__ = ["MessageMethods"]

MAX_PHOTO_BYTES = 10 * 1024 * 1024


class MessageMethods:
    def __init__(self, state: State, recorder: Recorder) -> None:
        self.state = state
        self.recorder = recorder

    def handlers(self) -> dict[str, Callable[[dict], Awaitable[Any]]]:
        return {
            "sendMessage": self.send_message,
            "sendPhoto": self.send_photo,
            "editMessageText": self.edit_message_text,
            "editMessageCaption": self.edit_message_caption,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "deleteMessages": self.delete_messages,
            "sendChatAction": self.send_chat_action,
        }

    # -- sending

    async def send_message(self, params: dict) -> dict:
        chat_id = self._writable_chat(params)
        thread_id = self.state.check_thread(chat_id, params.get("message_thread_id"))
        plain, entities = check_text(
            params.get("text"), params.get("parse_mode"), params.get("entities")
        )
        message = self._new_message(chat_id, thread_id)
        message["text"] = plain
        _decorate(message, entities, params)
        await self._record("sendMessage", chat_id, message, params, params.get("text", ""))
        return message

    async def send_photo(self, params: dict) -> dict:
        chat_id = self._writable_chat(params, photo=True)
        thread_id = self.state.check_thread(chat_id, params.get("message_thread_id"))
        data, url, size = self._photo(params.get("photo"))
        caption = params.get("caption")
        plain, entities = check_caption(
            caption, params.get("parse_mode"), params.get("caption_entities")
        )
        # A quiet run keeps no bytes (a picture fanned out to 10k chats would pile up).
        file_id = self.state.new_file_id(data, keep=self.recorder.record) if data else None
        ref = file_id or url or str(params.get("photo"))
        message = self._new_message(chat_id, thread_id)
        message["photo"] = [
            {
                "file_id": ref,
                "file_unique_id": f"unique-{ref}",
                "width": size[0],
                "height": size[1],
                "file_size": len(data or b""),
            }
        ]
        if plain:
            message["caption"] = plain
        if entities:
            message["caption_entities"] = entities
        for flag in ("show_caption_above_media", "has_spoiler"):
            if params.get(flag):
                message[flag] = True
        _decorate(message, [], params)
        await self._record(
            "sendPhoto",
            chat_id,
            message,
            params,
            caption or "",
            photo=data,
            url=url,
            file_id=file_id,
        )
        return message

    async def send_chat_action(self, params: dict) -> bool:
        self._writable_chat(params)
        return True

    # -- editing

    async def edit_message_text(self, params: dict) -> dict | bool:
        if params.get("inline_message_id"):
            return True
        chat_id = self._writable_chat(params)
        message_id = _message_id(params)
        plain, entities = check_text(
            params.get("text"), params.get("parse_mode"), params.get("entities")
        )
        old = self._existing_message(chat_id, message_id)
        if old is not None and "text" not in old:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        message = self._edited(
            chat_id, message_id, old, ("text", "entities", "link_preview_options")
        )
        message["text"] = plain
        _decorate(message, entities, params)
        _check_modified(old, message, ("text", "entities", "reply_markup"))
        await self._record("editMessageText", chat_id, message, params, params.get("text", ""))
        return message

    async def edit_message_caption(self, params: dict) -> dict | bool:
        if params.get("inline_message_id"):
            return True
        chat_id = self._writable_chat(params)
        message_id = _message_id(params)
        caption = params.get("caption")
        plain, entities = check_caption(
            caption, params.get("parse_mode"), params.get("caption_entities")
        )
        old = self._existing_message(chat_id, message_id)
        if old is not None and "photo" not in old:
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        message = self._edited(chat_id, message_id, old, ("caption", "caption_entities"))
        if plain:
            message["caption"] = plain
        if entities:
            message["caption_entities"] = entities
        _decorate(message, [], params)
        _check_modified(old, message, ("caption", "caption_entities", "reply_markup"))
        await self._record("editMessageCaption", chat_id, message, params, caption or "")
        return message

    async def edit_message_reply_markup(self, params: dict) -> dict | bool:
        if params.get("inline_message_id"):
            return True
        chat_id = self._writable_chat(params)
        message_id = params.get("message_id")
        old = self._existing_message(chat_id, message_id) if isinstance(message_id, int) else None
        if old is None or not isinstance(message_id, int):  # (the int check is for mypy)
            raise ApiError(400, "Bad Request: message to edit not found")
        message = self._edited(chat_id, message_id, old, ())
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        _check_modified(old, message, ("reply_markup",))
        text = old.get("text", old.get("caption", ""))
        await self._record("editMessageReplyMarkup", chat_id, message, params, text)
        return message

    # -- deleting

    async def delete_message(self, params: dict) -> bool:
        chat_id = self.state.resolve_chat_id(params.get("chat_id"))
        self._delete(chat_id, _message_id(params), skip_missing=False)
        return True

    async def delete_messages(self, params: dict) -> bool:
        chat_id = self.state.resolve_chat_id(params.get("chat_id"))
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise ApiError(400, "Bad Request: message_ids must contain 1-100 message identifiers")
        for message_id in ids:  # unknown ones are skipped, as in Telegram
            self._delete(chat_id, message_id, skip_missing=True)
        return True

    def _delete(self, chat_id: int, message_id: Any, *, skip_missing: bool) -> None:
        state = self.state
        key = (chat_id, message_id)
        own = key in state.bot_messages
        if not own and key not in state.user_messages:
            if not self.recorder.record or skip_missing:
                return  # a quiet run keeps no messages to check against
            raise ApiError(400, "Bad Request: message to delete not found")
        chat = state.chat(chat_id)
        member = state.member(chat_id, state.bot_id)
        if member["status"] in ("left", "kicked"):
            check_bot_may_write(chat, member)
        if chat["type"] != "private" and not _may_delete(chat, member, own):
            raise ApiError(400, "Bad Request: message can't be deleted")
        state.bot_messages.pop(key, None)
        state.user_messages.pop(key, None)
        self.recorder.deletion(chat_id, message_id)

    # -- helpers

    def _writable_chat(self, params: dict, *, photo: bool = False) -> int:
        state = self.state
        chat_id = state.resolve_chat_id(params.get("chat_id"))
        check_bot_may_write(state.chat(chat_id), state.member(chat_id, state.bot_id), photo=photo)
        return chat_id

    def _new_message(self, chat_id: int, thread_id: int | None) -> dict:
        state = self.state
        chat = dict(state.chat(chat_id))
        message: dict[str, Any] = {"message_id": state.new_message_id(chat_id)}
        if chat["type"] == "channel":  # posted as the channel
            message["sender_chat"] = chat
        else:
            message["from"] = state.bot_user()
        message["chat"] = chat
        message["date"] = int(time.time())
        if thread_id is not None and chat.get("is_forum"):
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        return message

    def _edited(self, chat_id: int, message_id: int, old: dict | None, replaced: tuple) -> dict:
        """The new version of a message: the old one without `replaced` fields and markup."""
        if old is None:  # a quiet run keeps no messages: make one up
            old = self._new_message(chat_id, None) | {"message_id": message_id}
        dropped = {*replaced, "reply_markup", "edit_date"}
        message = {k: v for k, v in old.items() if k not in dropped}
        message["edit_date"] = int(time.time())
        return message

    def _existing_message(self, chat_id: int, message_id: int) -> dict | None:
        """The bot's message; "not found" when recording and the bot never sent it."""
        old = self.state.bot_messages.get((chat_id, message_id))
        if old is None and self.recorder.record:
            raise ApiError(400, "Bad Request: message to edit not found")
        return old

    def _photo(self, photo: Any) -> tuple[bytes | None, str | None, tuple[int, int]]:
        """The photo's bytes (an upload or a file_id the stand-in gave), or its URL; its size."""
        if isinstance(photo, UploadedFile):
            data = photo.data
        elif isinstance(photo, str) and photo in self.state.files:
            data = self.state.files[photo]
        elif isinstance(photo, str) and photo.startswith(("http://", "https://")):
            return None, photo, (0, 0)  # Telegram would fetch it; the stand-in takes it on trust
        elif isinstance(photo, str) and photo and not self.recorder.record:
            return None, None, (0, 0)  # a file_id; a quiet run kept no files to check it
        elif photo is None or photo == "":
            raise ApiError(400, "Bad Request: there is no photo in the request")
        else:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if not data:
            raise ApiError(400, "Bad Request: file must be non-empty")
        if len(data) > MAX_PHOTO_BYTES:
            raise ApiError(400, "Bad Request: PHOTO_SAVE_FILE_INVALID")
        found = image_size(data)
        if found is None:
            raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
        _, width, height = found
        if (
            width
            and height
            and (width + height > 10000 or max(width, height) > 20 * min(width, height))
        ):
            raise ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        return data, None, (width, height)

    async def _record(
        self,
        method: str,
        chat_id: int,
        message: dict,
        params: dict,
        text: str,
        *,
        photo: bytes | None = None,
        url: str | None = None,
        file_id: str | None = None,
    ) -> None:
        if self.recorder.record:
            self.state.bot_messages[(chat_id, message["message_id"])] = message
            if file_id is None and "photo" in message:  # an edit keeps the photo
                file_id = message["photo"][-1]["file_id"]
                photo = self.state.files.get(file_id)
        thread_id = params.get("message_thread_id", message.get("message_thread_id"))
        sent = SentMessage(
            method=method,
            chat_id=chat_id,
            message_id=message["message_id"],
            text=text,
            parse_mode=params.get("parse_mode"),
            reply_markup=params.get("reply_markup") or None,
            link_preview_options=params.get("link_preview_options"),
            disable_web_page_preview=params.get("disable_web_page_preview"),
            ts=time.monotonic(),
            plain_text=message.get("text", message.get("caption", "")),
            message_thread_id=thread_id if isinstance(thread_id, int) else None,
            photo=photo,
            photo_url=url,
            file_id=file_id,
        )
        await self.recorder.message(sent)


def _message_id(params: dict) -> int:
    message_id = params.get("message_id")
    if not isinstance(message_id, int):
        raise ApiError(400, "Bad Request: message identifier is not specified")
    return message_id


def _decorate(message: dict, entities: list[dict], params: dict) -> None:
    if entities:
        message["entities"] = entities
    markup = params.get("reply_markup")
    if isinstance(markup, dict) and markup.get("inline_keyboard"):
        message["reply_markup"] = markup
    if isinstance(params.get("link_preview_options"), dict):
        message["link_preview_options"] = params["link_preview_options"]


def _check_modified(old: dict | None, new: dict, keys: tuple[str, ...]) -> None:
    if old is not None and all(old.get(key) == new.get(key) for key in keys):
        raise ApiError(400, NOT_MODIFIED)


def _may_delete(chat: dict, member: dict, own: bool) -> bool:
    """Telegram's rules: a bot deletes its own messages in groups, anything there as an
    administrator with can_delete_messages; in channels it needs can_post_messages for its
    own posts and can_delete_messages for others'."""
    status = member["status"]
    if status == "creator":
        return True
    admin = status == "administrator"
    if chat["type"] == "channel":
        return admin and bool(
            member.get("can_delete_messages") or (own and member.get("can_post_messages"))
        )
    return own or (admin and bool(member.get("can_delete_messages")))
