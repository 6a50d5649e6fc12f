"""/trends: a picture of the topics over the last 30 days (bot/digest/trends.py),
drawn off the event loop and kept for the day (per language, zone, followed topics and sources)."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from datetime import UTC, datetime, timedelta

from telegram import Update
from telegram.constants import ParseMode

from bot.digest.topics import TOPIC_KEYS, topic_name
from bot.digest.trends import DAYS, TrendData, movers, render_trends_png
from bot.i18n import Html, listing, t
from bot.telegram import texts
from bot.telegram.context import BotContext
from bot.telegram.parts import chat_of
from bot.telegram.replies import chat_state, reply, thread_of
from bot.telegram.sources import taken
from bot.timezones import zone_for
from storage.topics import daily_topic_counts

CACHE_SIZE = 64  # pictures kept; one per (day, language, zone, followed topics)
_pictures: OrderedDict[tuple, bytes] = OrderedDict()


async def picture(key: tuple, data: TrendData, followed: frozenset[str], lang: str) -> bytes:
    if key in _pictures:
        _pictures.move_to_end(key)
        return _pictures[key]
    png = await asyncio.to_thread(render_trends_png, data, followed, lang)
    _pictures[key] = png
    while len(_pictures) > CACHE_SIZE:
        _pictures.popitem(last=False)
    return png


def caption(data: TrendData, lang: str) -> str:
    changes = movers(data)
    if not changes:
        return t(lang, texts.TRENDS_CAPTION_CALM)
    named = listing(
        lang,
        (
            t(lang, texts.TRENDS_MOVER, name=topic_name(topic, lang), change=change)
            for topic, change in changes
        ),
    )
    return t(lang, texts.TRENDS_CAPTION, movers=Html(named))  # each name escaped once above


async def trends(update: Update, context: BotContext) -> None:
    state = await chat_state(update, context)
    lang = state.lang
    tz = state.subscriber.tz or context.services.settings.default_tz
    zone = zone_for(tz) or UTC
    today = datetime.now(zone).date()
    first_day = today - timedelta(days=DAYS - 1)
    sources = await taken(context, update, state)
    counts = await daily_topic_counts(context.services.db, first_day, DAYS, zone, sources)
    data = TrendData(first_day, counts)
    if data.empty:
        await reply(update, context, t(lang, texts.TRENDS_NO_DATA))
        return
    followed = frozenset(state.subscriber.topics) & frozenset(TOPIC_KEYS)
    png = await picture((today, lang, tz, followed, sources), data, followed, lang)
    await context.bot.send_photo(
        chat_of(update).id,
        png,
        caption=caption(data, lang),
        parse_mode=ParseMode.HTML,
        message_thread_id=thread_of(update),
    )
