"""/latest, /search with its paging buttons, and plain text in a private chat (a search)."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.digest.render_search import render_search_page
from bot.i18n import t
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
from storage import digests as digest_store
from storage import queries
from storage import search as search_store

SEARCH_PAGE_SIZE = 5
MAX_QUERY_CHARS = 200  # longer queries are cut: nobody searches for a paragraph


async def latest(update: Update, context: BotContext) -> None:
    state = await chat_state(update, context)
    lang, db = state.lang, context.services.db
    newest = await digest_store.latest_digest(db)
    if newest is None:
        subscribed = state.subscriber.status == "active"
        follow_up = texts.NO_DIGEST_SUBSCRIBED if subscribed else texts.NO_DIGEST_NOT_SUBSCRIBED
        await reply(update, context, t(lang, texts.NO_DIGEST_YET) + " " + t(lang, follow_up))
        return
    digest = newest
    if not newest.items:
        digest = await digest_store.latest_digest(db, with_items=True) or newest
        await reply(update, context, t(lang, texts.NEWEST_WAS_EMPTY, title=newest.title[:200]))
    # Asked for explicitly: the whole digest, the chat's message cap of it at a time.
    await more.send_latest(update, context, state, digest.id)


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
    await answer_search(update, context, state, query, hint=t(state.lang, texts.SEARCH_HINT))
