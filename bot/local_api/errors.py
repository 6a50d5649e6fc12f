"""The error answers of the Bot API: an HTTP status, Telegram's description, maybe retry_after."""

from __future__ import annotations

from http import HTTPStatus

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
THREAD_NOT_FOUND = "Bad Request: message thread not found"


class ApiError(Exception):
    """An error answer: the HTTP status, Telegram's description, and maybe `retry_after`."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after
        # (HTTP status, body, content type) to answer instead of Telegram's error JSON: a
        # broken front end's answer (faults.py).
        self.raw: tuple[int, bytes, str] | None = None


def default_description(status: int, retry_after: int | None) -> str:
    """What Telegram most often says with `status`, for faults injected without a description."""
    if status == 429:
        return f"Too Many Requests: retry after {retry_after}"
    if status == 403:
        return "Forbidden: bot was blocked by the user"
    if status == 400:
        return "Bad Request: chat not found"
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Error {status}"
