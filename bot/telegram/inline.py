"""Inline mode: `@bot 模型` in any chat shows the same search as /search, each result an
item to send; an empty query shows the latest digest's items. Anyone may use it,
subscribed or not.

Results are rendered in the user's language and time zone (their private chat's
settings, else their Telegram language): `is_personal` when that differs from what
anyone else would get. The offset Telegram echoes back is ours (`next_offset`), but a
client can send anything: one that is not a page we gave out gets no results.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import datetime

from telegram import (
    InlineQuery,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.delivery.ratelimit import InlineTooLate
from bot.digest.models import Item
from bot.digest.render_item import first_sentence, item_title, render_item
from bot.i18n import language_for
from bot.telegram.context import BotContext
from bot.telegram.parts import inline_query_of
from bot.telegram.replies import clean_input
from storage import digest_sources
from storage import digests as digest_store
from storage import search as search_store
from storage import subscribers as subs

log = logging.getLogger(__name__)

PAGE_SIZE = 20
MAX_QUERY_CHARS = 256  # Telegram's limit for an inline query
MAX_OFFSET = 980  # 50 pages of 20: nobody scrolls further, and each page walks offset + 20 matches
CACHE_SECONDS = 60  # a new digest shows within a minute
_OFFSET = re.compile(r"\d{1,4}")
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def parse_offset(text: str) -> int | None:
    """The page an offset asks for: "" is the first; None for anything we never gave."""
    if text == "":
        return 0
    if not _OFFSET.fullmatch(text):
        return None
    offset = int(text)
    return offset if offset <= MAX_OFFSET and offset % PAGE_SIZE == 0 else None


def result_id(digest_id: str, position: int) -> str:
    """Unique per item, within Telegram's 64 bytes whatever the digest id."""
    return hashlib.sha256(f"{digest_id}\n{position}".encode()).hexdigest()[:32]


def article(
    item: Item, digest_id: str, digest_title: str, published_at: datetime, tz: str, lang: str
) -> InlineQueryResultArticle:
    html = render_item(item, digest_title=digest_title, published_at=published_at, tz=tz, lang=lang)
    return InlineQueryResultArticle(
        id=result_id(digest_id, item.position),
        title=item_title(item, lang),
        description=first_sentence(item) or None,
        input_message_content=InputTextMessageContent(
            html, parse_mode=ParseMode.HTML, link_preview_options=_NO_PREVIEW
        ),
    )


async def on_inline_query(update: Update, context: BotContext) -> None:
    query = inline_query_of(update)
    offset = parse_offset(query.offset or "")
    if offset is None:
        log.info("inline query with an offset we never gave: no results")
        await _answer(query, [], "", personal=False)
        return
    db = context.services.db
    default_tz = context.services.settings.default_tz
    user = query.from_user
    own = await subs.get_subscriber(db, user.id)  # their private chat's settings, if any
    lang = (own.lang if own else None) or language_for(user.language_code)
    tz = (own.tz if own else "") or default_tz
    personal = lang != "en" or tz != default_tz
    words = clean_input(query.query or "", MAX_QUERY_CHARS)
    if not words:  # the latest digest of the sources the user's private chat takes
        sources = await digest_sources.taken_sources(db, user.id, 0, lang)
        digest = await digest_store.latest_digest(db, with_items=True, sources=sources)
        personal = True
        items = list(digest.items) if digest else []
        results = [
            article(item, digest.id, digest.title, digest.published_at, tz, lang)
            for item in items[offset : offset + PAGE_SIZE]
            if digest is not None  # (there are items only when there is a digest)
        ]
        more = len(items) > offset + PAGE_SIZE
    else:
        page = await search_store.search(db, words, offset=offset, limit=PAGE_SIZE)
        results = [
            article(hit.item, hit.digest_id, hit.digest_title, hit.published_at, tz, lang)
            for hit in page.hits
        ]
        more = page.has_more and offset + PAGE_SIZE <= MAX_OFFSET
    await _answer(query, results, str(offset + PAGE_SIZE) if more else "", personal=personal)


async def _answer(query: InlineQuery, results: list, next_offset: str, *, personal: bool) -> None:
    try:
        await query.answer(
            results, cache_time=CACHE_SECONDS, is_personal=personal, next_offset=next_offset
        )
    except InlineTooLate:  # its budget is taken for the next seconds: not sent at all
        log.debug("inline answer dropped: too late")
    except BadRequest as error:
        if "query is too old" not in error.message.lower():
            raise
        log.info("inline query answered too late: %s", error.message)  # the user typed on
