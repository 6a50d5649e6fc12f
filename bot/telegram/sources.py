"""/sources: the digests' sources, each with a button to take or drop it; /sources
<name> toggles one by name. Which sources a chat takes: storage/digest_sources.py."""

from __future__ import annotations

import unicodedata

from telegram import InlineKeyboardMarkup, Update

from bot.digest.languages import EN, ZH
from bot.digest.markup import format_time
from bot.i18n import t, tp
from bot.telegram import keyboards, texts
from bot.telegram.context import BotContext
from bot.telegram.parts import chat_of, query_of
from bot.telegram.permissions import admins_only, may_change_settings
from bot.telegram.replies import ChatState, chat_state, clean_input, edit_html, reply, topic_of
from storage import digest_sources
from storage.digest_sources import SourceInfo

PAGE_SIZE = 10
MAX_NAMES_SHOWN = 30  # an unknown name's answer lists this many names at most
LANG_NAMES = {ZH: texts.SOURCE_LANG_ZH, EN: texts.SOURCE_LANG_EN}


async def taken(context: BotContext, update: Update, state: ChatState) -> frozenset[str]:
    """The names of the sources the update's chat takes."""
    db = context.services.db
    return await digest_sources.taken_sources(db, chat_of(update).id, topic_of(update),
                                              state.lang)  # fmt: skip


def find_source(sources: list[SourceInfo], typed: str) -> SourceInfo | None:
    """The source a user typed: its name, any case and width."""
    wanted = _folded(typed)
    return next((s for s in sources if _folded(s.name) == wanted), None)


def _folded(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).split()).casefold()


def unknown_source(lang: str, typed: str, sources: list[SourceInfo]) -> str:
    names = [s.name for s in sources[:MAX_NAMES_SHOWN]]
    listed = ", ".join(names) + (", …" if len(sources) > MAX_NAMES_SHOWN else "")
    return t(lang, texts.UNKNOWN_SOURCE, name=typed[:60], names=listed or "—")


def how_often(source: SourceInfo, lang: str) -> str:
    per_week = source.per_week
    if per_week is None:
        return t(lang, texts.OFTEN_UNKNOWN)
    if per_week >= 7:
        return t(lang, texts.OFTEN_DAY, n=round(per_week / 7))
    if per_week >= 1:
        return t(lang, texts.OFTEN_WEEK, n=round(per_week))
    return t(lang, texts.OFTEN_RARELY)


def source_line(source: SourceInfo, chosen: bool, state: ChatState, default_tz: str) -> str:
    lang = state.lang
    if not source.configured:
        last = t(lang, texts.SOURCE_GONE)
    elif source.last_at is None:
        last = t(lang, texts.SOURCE_NO_DIGEST)
    else:
        when, zone = source.last_at, state.subscriber.tz or default_tz
        last = t(lang, texts.SOURCE_LAST, title=(source.last_title or "")[:80],
                 time=format_time(when, zone, lang))  # fmt: skip
    return t(
        lang,
        texts.SOURCE_LINE,
        mark="✅" if chosen else "▫️",
        name=source.name,
        lang=t(lang, LANG_NAMES.get(source.lang, texts.SOURCE_LANG_MIXED)),
        often=how_often(source, lang),
        last=last,
    )


async def sources_page(
    update: Update, context: BotContext, state: ChatState, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    lang = state.lang
    sources = await digest_sources.list_sources(context.services.db)
    if not sources:
        return t(lang, texts.NO_SOURCES), None
    pages = (len(sources) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    shown = sources[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    chosen = await taken(context, update, state)
    default_tz = context.services.settings.default_tz
    first = page * PAGE_SIZE + 1
    lines = [
        t(lang, texts.SOURCES_TITLE, first=first, last=first + len(shown) - 1, count=len(sources)),
        t(lang, texts.SOURCES_HELP),
    ]
    lines += ["\n" + source_line(s, s.name in chosen, state, default_tz) for s in shown]
    markup = keyboards.sources_keyboard([s.name for s in shown], chosen, page, pages, lang)
    return "\n".join(lines), markup


async def sources_command(update: Update, context: BotContext) -> None:
    state = await chat_state(update, context)
    typed = clean_input(" ".join(context.args or []), 100)
    if typed:
        await toggle_by_name(update, context, state, typed)
        return
    text, markup = await sources_page(update, context, state, 0)
    await reply(update, context, text, reply_markup=markup)


async def toggle_by_name(update: Update, context: BotContext, state: ChatState, typed: str) -> None:
    lang = state.lang
    if not await may_change_settings(update, context):
        await reply(update, context, t(lang, admins_only(update)))
        return
    sources = await digest_sources.list_sources(context.services.db)
    found = find_source(sources, typed)
    if found is None:
        await reply(update, context, unknown_source(lang, typed, sources))
        return
    now_taken = await toggle(update, context, state, found.name)
    message = texts.SOURCE_TAKEN if now_taken else texts.SOURCE_DROPPED
    await reply(update, context, t(lang, message, name=found.name))


async def toggle(update: Update, context: BotContext, state: ChatState, name: str) -> bool:
    """Take the source if the chat does not, drop it if it does; True when now taken."""
    now_taken = name not in await taken(context, update, state)
    await digest_sources.choose(context.services.db, chat_of(update).id,
                                topic_of(update), name, now_taken)  # fmt: skip
    return now_taken


async def on_source_button(update: Update, context: BotContext) -> None:
    """src:<token>:<page> toggles a source; src:p:<page> turns the page."""
    query = query_of(update)
    state = await chat_state(update, context)
    lang = state.lang
    _, token, page_text = (query.data or "").split(":")
    page = int(page_text)
    if token != "p":
        if not await may_change_settings(update, context):
            await query.answer(tp(lang, admins_only(update)), show_alert=True)
            return
        sources = await digest_sources.list_sources(context.services.db)
        found = [s for s in sources if keyboards.keyword_token(s.name) == token]
        if not found:
            await query.answer(tp(lang, texts.BUTTON_OUT_OF_DATE), show_alert=True)
            return
        name = found[0].name
        now_taken = await toggle(update, context, state, name)
        toast = texts.TOAST_SOURCE_TAKEN if now_taken else texts.TOAST_SOURCE_DROPPED
        await query.answer(tp(lang, toast, name=name))
    else:
        await query.answer()
    text, markup = await sources_page(update, context, state, page)
    await edit_html(query, text, markup)
