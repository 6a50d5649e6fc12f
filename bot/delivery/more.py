"""The "Show N more" button under the last part sent of a long push, roundup or /latest.

Its callback data names what to go on with and from where, in 64 bytes at most and
without anything a restart forgets: `more:<kind>:<published ts>:<ref>:<part>`, where
kind is "p" (a push: the chat's current profile) or "l" (/latest: the whole digest),
ref the first 8 hex digits of the sha256 of the digest's (or roundup's) id, part the
next part to send. On a press the parts are rendered again for the chat's current
profile (or read from the renders the push stored), so settings changed since give
today's parts; data no handler can resolve (forged, or a digest since deleted) is out
of date. E.g. "more:p:1766203207:1a2b3c4d:4", 29 bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from bot.digest.render import SHOW_MORE
from bot.i18n import tp
from storage.db import Reader
from storage.digests import digest_ids_at

PREFIX = "more"
PUSH, LATEST = "p", "l"
PATTERN = r"^more:[pl]:\d{1,12}:[0-9a-f]{8}:\d{1,4}$"
_PATTERN = re.compile(PATTERN)


@dataclass(frozen=True)
class More:
    kind: str  # PUSH or LATEST
    published_ts: int
    ref: str
    part: int  # the first part to send, 2 or more


def ref(digest_id: str) -> str:
    return hashlib.sha256(digest_id.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def data(kind: str, published_ts: int, digest_id: str, part: int) -> str:
    return f"{PREFIX}:{kind}:{published_ts}:{ref(digest_id)}:{part}"


def parse(text: str | None) -> More | None:
    """The button's data, or None when it is not well-formed."""
    if not text or not _PATTERN.match(text):
        return None
    _, kind, ts, digest_ref, part = text.split(":")
    if int(part) < 2:
        return None
    return More(kind, int(ts), digest_ref, int(part))


def markup(
    lang: str, kind: str, published_ts: int, digest_id: str, next_part: int, remaining: int
) -> dict:
    """The reply_markup of the last part sent: one button, "▼ Show 3 more"."""
    button = {
        "text": tp(lang, SHOW_MORE, count=remaining),
        "callback_data": data(kind, published_ts, digest_id, next_part),
    }
    return {"inline_keyboard": [[button]]}


def markup_json(*args: Any, **kwargs: Any) -> str:
    return json.dumps(markup(*args, **kwargs), ensure_ascii=False)


async def find(db: Reader, more: More) -> str | None:
    """The id of the digest or roundup a button names; None when none does."""
    for digest_id in await digest_ids_at(db, more.published_ts):
        if ref(digest_id) == more.ref:
            return digest_id
    return None
