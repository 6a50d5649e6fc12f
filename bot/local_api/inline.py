"""answerInlineQuery, checked as Telegram checks it, and the answers it records."""

from __future__ import annotations

import re
import time
from typing import Any

from bot.local_api.errors import QUERY_TOO_OLD, ApiError
from bot.local_api.markup import MAX_TEXT_UTF16, check_caption, parse_markup, utf16_len
from bot.local_api.records import InlineAnswer, Recorder
from bot.local_api.state import State

__all__ = ["InlineMethods"]

MAX_RESULTS = 50
MAX_ID_BYTES = 64
RESULT_TYPES = frozenset(
    {
        "article",
        "audio",
        "contact",
        "document",
        "game",
        "gif",
        "location",
        "mpeg4_gif",
        "photo",
        "sticker",
        "venue",
        "video",
        "voice",
    }
)
# Fields a result of each type cannot do without (beyond type and id), for the common types.
REQUIRED_FIELDS = {
    "article": ("title",),
    "photo": ("photo_url", "thumbnail_url"),
    "gif": ("gif_url", "thumbnail_url"),
    "video": ("video_url", "mime_type", "thumbnail_url", "title"),
    "document": ("title", "document_url", "mime_type"),
}
_START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _bad_result(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: can't parse inline query result: {reason}")


def _inner_error(exc: ApiError) -> ApiError:
    """A text's error inside a result: "can't parse entities: ..." becomes "can't parse
    inline query result: Can't parse entities: ...", as in Telegram."""
    reason = exc.description.removeprefix("Bad Request: ")
    return _bad_result(reason[:1].upper() + reason[1:])


class InlineMethods:
    def __init__(self, state: State, recorder: Recorder) -> None:
        self.state = state
        self.recorder = recorder

    async def answer_inline_query(self, params: dict) -> bool:
        query = self.state.inline_queries.get(str(params.get("inline_query_id", "")))
        if query is None or query.answered:
            raise ApiError(400, QUERY_TOO_OLD)
        results = params.get("results")
        if not isinstance(results, list):
            raise ApiError(400, "Bad Request: can't parse inline query results JSON object")
        if len(results) > MAX_RESULTS:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            _check_result(result, seen)
        next_offset = params.get("next_offset") or ""
        if len(str(next_offset).encode()) > MAX_ID_BYTES:
            raise ApiError(400, "Bad Request: NEXT_OFFSET_INVALID")
        button = params.get("button")
        if button is not None:
            _check_button(button)
        query.answered = True
        cache_time = params.get("cache_time")
        self.recorder.inline_answer(
            InlineAnswer(
                query_id=query.query_id,
                query=query.query,
                user_id=query.user_id,
                results=results,
                next_offset=str(next_offset),
                cache_time=cache_time if isinstance(cache_time, int) else None,
                is_personal=bool(params.get("is_personal")),
                button=button,
                ts=time.monotonic(),
            )
        )
        return True


def _check_result(result: Any, seen: set[str]) -> None:
    if not isinstance(result, dict):
        raise _bad_result("expected an Object")
    if "type" not in result:
        raise _bad_result('Can\'t find field "type"')
    kind = result["type"]
    if kind not in RESULT_TYPES:
        raise _bad_result(f'type "{kind}" is unsupported for the inline query result')
    if "id" not in result:
        raise _bad_result('Can\'t find field "id"')
    result_id = result["id"]
    if not isinstance(result_id, str) or not result_id or len(result_id.encode()) > MAX_ID_BYTES:
        raise ApiError(400, "Bad Request: RESULT_ID_INVALID")
    if result_id in seen:
        raise ApiError(400, "Bad Request: RESULT_ID_DUPLICATE")
    seen.add(result_id)
    for name in REQUIRED_FIELDS.get(kind, ()):
        if not isinstance(result.get(name), str):
            raise _bad_result(f'Can\'t find field "{name}"')
    content = result.get("input_message_content")
    if kind == "article" or content is not None:
        if not isinstance(content, dict):
            raise _bad_result('Field "input_message_content" must be of type Object')
        _check_content(content)
    if "caption" in result:
        try:
            check_caption(
                result["caption"], result.get("parse_mode"), result.get("caption_entities")
            )
        except ApiError as exc:
            raise _inner_error(exc) from None


def _check_content(content: dict) -> None:
    """InputMessageContent: only the text kind is checked closely."""
    if any(k in content for k in ("latitude", "phone_number", "payload", "description")):
        return  # location, venue, contact, invoice
    if "message_text" not in content:
        raise _bad_result('Can\'t find field "message_text"')
    text = content["message_text"]
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "Bad Request: MESSAGE_EMPTY")
    try:
        plain, _ = parse_markup(text, content.get("parse_mode"), content.get("entities"))
    except ApiError as exc:
        raise _inner_error(exc) from None
    if not plain.strip():
        raise ApiError(400, "Bad Request: MESSAGE_EMPTY")
    if utf16_len(plain) > MAX_TEXT_UTF16:
        raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise ApiError(400, "Bad Request: can't parse InlineQueryResultsButton JSON object")
    start = button.get("start_parameter")
    if start is not None and not _START_PARAMETER.fullmatch(str(start)):
        raise ApiError(400, "Bad Request: START_PARAM_INVALID")
    if start is None and "web_app" not in button:
        raise ApiError(400, "Bad Request: can't parse InlineQueryResultsButton JSON object")
