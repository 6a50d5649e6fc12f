"""A method's parameters as Telegram reads them from a request.

Telegram takes the query string, a form, a multipart form (with file uploads) or a JSON body.
In a form every value is a string: the parameters the Bot API defines as structured (reply
markup, entities, inline results...) are JSON strings of their own, numbers and booleans are
their decimal or `true`/`false` text, and everything else (`text`, `caption`, `query`...) is
text, even when it looks like JSON: a message may well read "[1, 2]".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from bot.local_api.errors import ApiError

__all__ = ["STRUCTURED_PARAMS", "UploadedFile", "decode_value", "read_params"]

# Parameters whose value is a JSON-serialized object or array, in any Bot API method.
# (`photo`, `sticker` and the like are not: they are a file, a file_id or a URL.)
STRUCTURED_PARAMS = frozenset(
    {
        "accepted_gift_types",
        "allowed_updates",
        "areas",
        "button",
        "caption_entities",
        "checklist",
        "commands",
        "content",
        "custom_emoji_ids",
        "emoji_list",
        "entities",
        "errors",
        "explanation_entities",
        "keywords",
        "link_preview_options",
        "mask_position",
        "media",
        "menu_button",
        "message_ids",
        "options",
        "permissions",
        "prices",
        "question_entities",
        "reaction",
        "reply_markup",
        "reply_parameters",
        "result",
        "results",
        "rights",
        "scope",
        "shipping_options",
        "stickers",
        "suggested_post_parameters",
    }
)
# Form values are strings; these parameters are numbers or booleans in the Bot API.
INT_PARAMS = frozenset(
    {
        "cache_time",
        "chat_id",
        "direct_messages_topic_id",
        "duration",
        "from_chat_id",
        "height",
        "limit",
        "max_connections",
        "message_id",
        "message_thread_id",
        "offset",
        "reply_to_message_id",
        "sender_chat_id",
        "timeout",
        "until_date",
        "user_id",
        "width",
    }
)
BOOL_PARAMS = frozenset(
    {
        "allow_paid_broadcast",
        "allow_sending_without_reply",
        "disable_content_type_detection",
        "disable_notification",
        "disable_web_page_preview",
        "drop_pending_updates",
        "for_channels",
        "has_spoiler",
        "is_anonymous",
        "is_personal",
        "only_if_banned",
        "protect_content",
        "revoke_messages",
        "show_alert",
        "show_caption_above_media",
    }
)
# Telegram's words for a structured parameter that is not valid JSON, where they are known.
_UNPARSABLE = {
    "reply_markup": "can't parse reply keyboard markup JSON object",
    "entities": "can't parse entities JSON object",
    "caption_entities": "can't parse entities JSON object",
    "results": "can't parse inline query results JSON object",
}


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file sent as a part of a multipart/form-data body (PTB's InputFile)."""

    filename: str
    content_type: str
    data: bytes


async def read_params(request: web.Request) -> dict[str, Any]:
    """The method's parameters from the query string and a form, multipart or JSON body.

    Raises ApiError for a structured parameter that is not JSON, ValueError for an
    unreadable body.
    """
    raw: dict[str, Any] = dict(request.query) if request.query_string else {}
    if request.can_read_body:
        ctype = request.content_type
        if ctype == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                raw.update(body)
        elif ctype == "multipart/form-data":
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, str):
                    raw[key] = value
                elif isinstance(value, web.FileField):  # a file part
                    raw[key] = UploadedFile(
                        filename=value.filename or key,
                        content_type=value.content_type,
                        data=value.file.read(),
                    )
        else:
            text = (await request.read()).decode("utf-8")
            raw.update(parse_qsl(text, keep_blank_values=True))
    return {key: decode_value(key, value) for key, value in raw.items()}


def decode_value(key: str, value: Any) -> Any:
    """One parameter as the Bot API types it; values that are not strings are kept."""
    if not isinstance(value, str):
        return value
    if key in STRUCTURED_PARAMS:
        if value == "":
            return None
        try:
            return json.loads(value)
        except ValueError:
            reason = _UNPARSABLE.get(key, f"can't parse {key} JSON object")
            raise ApiError(400, f"Bad Request: {reason}") from None
    if key in INT_PARAMS:
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return value  # e.g. chat_id "@channelusername"
    if (key in BOOL_PARAMS or key.startswith("can_")) and value in ("true", "false"):
        return value == "true"
    return value
