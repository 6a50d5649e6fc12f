"""/latest, /digests, /search with its paging buttons, and plain text in a private chat
(a search)."""

from __future__ import annotations

import re

from telegram import InlineKeyboardMarkup, Update

from bot.delivery.more import ref
from bot.digest.markup import format_time
from bot.digest.render_search import render_search_page
from bot.i18n import sentences, t, tp
from bot.telegram import keyboards, more, texts
from bot.telegram.context import BotContext
from bot.telegram.parts import chat_of, message_of, query_of
from bot.telegram.replies import (
    ChatState,
    chat_state,
    clean_input,
    edit_html,
    reply,
)
from bot.telegram.sources import find_source, taken, unknown_source
from storage import digest_sources, queries
from storage import digests as digest_store
from storage import search as search_store

SEARCH_PAGE_SIZE = 5
MAX_QUERY_CHARS = 200  # longer queries are cut: nobody searches for a paragraph


async def latest(update: Update, context: BotContext) -> None:
    """/latest [N] [source]: the Nth newest digest (1 = the newest) of the chat's sources,
    or of the source named."""
    state = await chat_state(update, context)
    lang, db = state.lang, context.services.db
    args = [clean_input(arg, 100) for arg in context.args or []]
    number = 1
    if args and re.fullmatch(r"[+-]?\d+", args[0]):
        number = max(-1, min(int(args[0]), 10**9))
        args = args[1:]
    sources = await digest_sources.list_sources(db)
    if args:
        found = find_source(sources, " ".join(args))
        if found is None:
            await reply(update, context, unknown_source(lang, " ".join(args), sources))
            return
        chosen = frozenset({found.name})
    else:
        chosen = await taken(context, update, state)
    if number < 1:
        example = min(chosen) if chosen else "AINews"
        await reply(update, context, t(lang, texts.LATEST_USAGE, source=example))
        return
    if sources and not chosen:
        await reply(update, context, t(lang, texts.NO_SOURCE_TAKEN))
        return
    if number > 1:
        await latest_back(update, context, state, chosen, number)
        return
    newest = await digest_store.latest_digest(db, sources=chosen)
    if newest is None:
        subscribed = state.subscriber.status == "active"
        follow_up = texts.NO_DIGEST_SUBSCRIBED if subscribed else texts.NO_DIGEST_NOT_SUBSCRIBED
        await reply(
            update, context, sentences(lang, t(lang, texts.NO_DIGEST_YET), t(lang, follow_up))
        )
        return
    digest = newest
    if not newest.items:
        digest = await digest_store.latest_digest(db, with_items=True, sources=chosen) or newest
        await reply(update, context, t(lang, texts.NEWEST_WAS_EMPTY, title=newest.title[:200]))
    # Asked for explicitly: the whole digest, the chat's message cap of it at a time.
    await more.send_latest(update, context, state, digest.id)


async def latest_back(
    update: Update, context: BotContext, state: ChatState, sources: frozenset[str], number: int
) -> None:
    """/latest N with N > 1: that digest, or how far back there is to go."""
    db, lang = context.services.db, state.lang
    found = await digest_store.digest_lines(db, sources, offset=number - 1, limit=1)
    if found:
        await more.send_latest(update, context, state, found[0].id)
        return
    count = await digest_store.count_digests_of(db, sources)
    if count == 0:
        await reply(update, context, t(lang, texts.NO_DIGEST_YET))
    elif count == 1:
        await reply(update, context, t(lang, texts.LATEST_TOO_FAR_ONE))
    else:
        await reply(update, context, t(lang, texts.LATEST_TOO_FAR, count=count))


DIGESTS_PAGE = 10


async def digests(update: Update, context: BotContext) -> None:
    """/digests: the chat's last digests, DIGESTS_PAGE a page, a button to open each."""
    state = await chat_state(update, context)
    text, markup = await digests_page(update, context, state, 0)
    await reply(update, context, text, reply_markup=markup)


async def digests_page(
    update: Update, context: BotContext, state: ChatState, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    db, lang = context.services.db, state.lang
    chosen = await taken(context, update, state)
    count = await digest_store.count_digests_of(db, chosen)
    if count == 0:
        has_sources = bool(await digest_sources.list_sources(db))
        return t(lang, texts.NO_SOURCE_TAKEN if has_sources else texts.NO_DIGEST_YET), None
    pages = (count + DIGESTS_PAGE - 1) // DIGESTS_PAGE
    page = min(max(page, 0), pages - 1)
    lines_shown = await digest_store.digest_lines(db, chosen, offset=page * DIGESTS_PAGE,
                                                  limit=DIGESTS_PAGE)  # fmt: skip
    zone = state.subscriber.tz or context.services.settings.default_tz
    first = page * DIGESTS_PAGE + 1
    lines = [t(lang, texts.DIGESTS_TITLE, first=first, last=first + len(lines_shown) - 1,
               count=count)]  # fmt: skip
    opens = []
    for number, line in enumerate(lines_shown, first):
        items = (t(lang, texts.DIGEST_ITEMS_ONE) if line.items == 1
                 else t(lang, texts.DIGEST_ITEMS, n=line.items))  # fmt: skip
        lines.append(t(lang, texts.DIGEST_LINE, n=number, title=line.title[:120],
                       source=line.source, time=format_time(line.published_at, zone, lang),
                       items=items))  # fmt: skip
        opens.append((number, f"{keyboards.DIGESTS}:o:{line.published_ts}:{ref(line.id)}"))
    lines += ["", t(lang, texts.DIGESTS_OPEN_HINT)]
    return "\n".join(lines), keyboards.digests_keyboard(opens, page, pages, lang)


async def on_digests_button(update: Update, context: BotContext) -> None:
    """dg:p:<page> turns the page; dg:o:<ts>:<ref> sends that digest as /latest does."""
    query = query_of(update)
    state = await chat_state(update, context)
    parts = (query.data or "").split(":")
    if parts[1] == "p":
        await query.answer()
        text, markup = await digests_page(update, context, state, int(parts[2]))
        await edit_html(query, text, markup)
        return
    db = context.services.db
    wanted = [d for d in await digest_store.digest_ids_at(db, int(parts[2])) if ref(d) == parts[3]]
    if not wanted:
        await query.answer(tp(state.lang, texts.BUTTON_OUT_OF_DATE), show_alert=True)
        return
    await query.answer()
    await more.send_latest(update, context, state, wanted[0])


async def search(update: Update, context: BotContext) -> None:
    state = await chat_state(update, context)
    query = clean_input(" ".join(context.args or []), MAX_QUERY_CHARS)
    if not search_store.has_terms(query):
        await reply(update, context, t(state.lang, texts.SEARCH_USAGE))
        return
    await answer_search(update, context, state, query)


async def answer_search(
    update: Update, context: BotContext, state: ChatState, query: str, *, hint: str = ""
) -> None:
    chat_id = chat_of(update).id
    token = await queries.save_query(context.services.db, chat_id, query)
    text, markup = await search_page(context, state, token, query, 0)
    await reply(update, context, text + (f"\n\n{hint}" if hint else ""), reply_markup=markup)


async def search_page(
    context: BotContext, state: ChatState, token: str, query: str, offset: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    lang = state.lang
    page = await search_store.search(
        context.services.db, query, offset=offset, limit=SEARCH_PAGE_SIZE
    )
    if not page.hits:
        message = texts.SEARCH_NO_MORE if offset else texts.SEARCH_NOTHING
        return t(lang, message, query=query[:80]), None
    tz = state.subscriber.tz or context.services.settings.default_tz
    text = render_search_page(page, tz=tz, lang=lang)
    markup = keyboards.search_pager(token, offset, SEARCH_PAGE_SIZE, page.has_more, lang)
    return text, markup


async def on_search_button(update: Update, context: BotContext) -> None:
    query = query_of(update)
    _, token, offset_text = (query.data or "").split(":")
    state = await chat_state(update, context)
    text = await queries.get_query(context.services.db, chat_of(update).id, token)
    if text is None:
        await query.answer(t(state.lang, texts.SEARCH_EXPIRED), show_alert=True)
        return
    await query.answer()
    page_text, markup = await search_page(context, state, token, text, int(offset_text))
    await edit_html(query, page_text, markup)


async def plain_text(update: Update, context: BotContext) -> None:
    """People type a word, not a command: text in a private chat is a search."""
    state = await chat_state(update, context)
    query = clean_input(message_of(update).text or "", MAX_QUERY_CHARS)
    if not search_store.has_terms(query):
        await reply(update, context, t(state.lang, texts.SEARCH_USAGE))
        return
    # The hint that plain text is a search, once: with the chat's first search.
    first = not await queries.has_searched(context.services.db, chat_of(update).id)
    hint = t(state.lang, texts.SEARCH_HINT) if first else ""
    await answer_search(update, context, state, query, hint=hint)
