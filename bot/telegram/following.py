"""/follow, /unfollow and /topics with its buttons."""

from __future__ import annotations

import time
from collections.abc import Collection

from telegram import Update

from bot.digest.topics import (
    KEYWORD_PREFIX,
    MAX_KEYWORD,
    MAX_KEYWORDS_PER_CHAT,
    MAX_MUTES_PER_CHAT,
    MUTE_PREFIX,
    TOPIC_DEFINITIONS,
    TOPIC_KEYS,
    check_keyword,
    own_keyword,
    parse_follow,
    topic_name,
)
from bot.i18n import Html, listing, sentences, t, tp
from bot.telegram import keyboards, texts
from bot.telegram.context import BotContext
from bot.telegram.parts import chat_of, query_of
from bot.telegram.permissions import admins_only, may_change_settings
from bot.telegram.replies import ChatState, chat_state, clean_input, edit_html, reply, topic_of
from storage import digest_sources
from storage import subscribers as subs
from storage.subscribers import ChatStatus
from storage.topics import topic_counts

WEEK = 7 * 86_400
KEYWORD_PROBLEMS = {
    "separator": texts.KEYWORD_SEPARATOR,
    "no_letters": texts.KEYWORD_NO_LETTERS,
    "too_short": texts.KEYWORD_TOO_SHORT,
    "too_long": texts.KEYWORD_TOO_LONG,
}


async def follow(update: Update, context: BotContext) -> None:
    await change_follow(update, context, following=True)


async def unfollow(update: Update, context: BotContext) -> None:
    await change_follow(update, context, following=False)


async def typed_change(update: Update, context: BotContext) -> tuple[ChatState, str] | None:
    """The chat and what was typed after the command; None (the user told) when the
    user may not change this chat's settings."""
    state = await chat_state(update, context)
    if not await may_change_settings(update, context):
        await reply(update, context, t(state.lang, admins_only(update)))
        return None
    return state, clean_input(" ".join(context.args or []), 200)


def word_problem(typed: str, word: str, have: Collection[str], most: int, limit: str) -> str | None:
    """Why `typed` cannot be added as an own keyword (or a muted word), given the words
    `have` and at most `most` of them: a text, or None."""
    problem = KEYWORD_PROBLEMS.get(check_keyword(typed) or "")
    if problem is None and word not in have and len(have) >= most:
        problem = limit
    return problem


async def change_follow(update: Update, context: BotContext, *, following: bool) -> None:
    found = await typed_change(update, context)
    if found is None:
        return
    state, typed = found
    lang = state.lang
    topic = parse_follow(typed)
    if topic is None:
        verb = "follow" if following else "unfollow"
        usage = t(lang, texts.FOLLOW_USAGE, verb=verb)
        if typed:  # something was typed ("🤖"), only no letter or digit in it
            usage = t(lang, texts.KEYWORD_NO_LETTERS) + "\n" + usage
        await reply(update, context, usage)
        return
    db, chat_id, thread = context.services.db, chat_of(update).id, topic_of(update)
    label = topic_name(topic, lang)
    if not following:
        changed = await subs.unfollow(db, chat_id, topic, thread_id=thread)
        message = texts.UNFOLLOWED if changed else texts.NOT_FOLLOWING
        await reply(update, context, t(lang, message, label=label))
        return
    if topic.startswith(KEYWORD_PREFIX):
        own = [f for f in state.subscriber.topics if f.startswith(KEYWORD_PREFIX)]
        limit = texts.KEYWORD_LIMIT
        problem = word_problem(typed, topic, own, MAX_KEYWORDS_PER_CHAT, limit)
        if problem is not None:
            most = MAX_KEYWORDS_PER_CHAT if problem == limit else MAX_KEYWORD
            await reply(update, context, t(lang, problem, max=most))
            return
    changed = await subs.follow(db, chat_id, topic, thread_id=thread)
    text = t(lang, texts.FOLLOWING if changed else texts.ALREADY_FOLLOWING, label=label)
    if state.subscriber.alerts_mode == "all":
        text = sentences(lang, text, t(lang, texts.FOLLOW_MARKED_HINT))
    if state.subscriber.status != ChatStatus.ACTIVE:
        text += "\n\n" + t(lang, texts.FOLLOW_NOT_SUBSCRIBED)
    await reply(update, context, text)


async def mute(update: Update, context: BotContext) -> None:
    await change_mute(update, context, muting=True)


async def unmute(update: Update, context: BotContext) -> None:
    await change_mute(update, context, muting=False)


async def change_mute(update: Update, context: BotContext, *, muting: bool) -> None:
    """/mute <word>: items containing it (matched as an own keyword) are left out."""
    found = await typed_change(update, context)
    if found is None:
        return
    state, typed = found
    lang, word = state.lang, own_keyword(typed)
    if not word:
        verb = "mute" if muting else "unmute"
        await reply(update, context, t(lang, texts.MUTE_USAGE, verb=verb))
        return
    db, chat_id, thread = context.services.db, chat_of(update).id, topic_of(update)
    if not muting:
        changed = await subs.unfollow(db, chat_id, MUTE_PREFIX + word, thread_id=thread)
        message = texts.UNMUTED if changed else texts.NOT_MUTED
        await reply(update, context, t(lang, message, word=word))
        return
    limit = texts.MUTE_LIMIT
    problem = word_problem(typed, word, state.subscriber.mutes, MAX_MUTES_PER_CHAT, limit)
    if problem is not None:
        most = MAX_MUTES_PER_CHAT if problem == limit else MAX_KEYWORD
        await reply(update, context, t(lang, problem, max=most))
        return
    changed = await subs.follow(db, chat_id, MUTE_PREFIX + word, thread_id=thread)
    message = texts.MUTED if changed else texts.ALREADY_MUTED
    await reply(update, context, t(lang, message, word=word))


def week_count(lang: str, n: int) -> str:
    return t(lang, texts.TOPIC_WEEK_ONE if n == 1 else texts.TOPIC_WEEK, n=n)


async def topics_text(context: BotContext, state: ChatState) -> str:
    """Each topic: followed or not, what it is about, how many items it had this week,
    and a link that subscribes and follows it in one tap (to share)."""
    lang, subscriber = state.lang, state.subscriber
    sources = await digest_sources.taken_sources(
        context.services.db, subscriber.chat_id, subscriber.thread_id, lang
    )
    counts = await topic_counts(context.services.db, int(time.time()) - WEEK, sources)
    username = context.bot.username
    lines = [t(lang, texts.TOPICS_TITLE), t(lang, texts.TOPICS_HELP)]
    for key in TOPIC_KEYS:
        link = Html(f'<a href="https://t.me/{username}?start={key}">{t(lang, texts.SHARE)}</a>')
        lines += [
            "",
            t(
                lang,
                texts.TOPIC_LINE,
                mark="✅" if key in subscriber.topics else "▫️",
                name=topic_name(key, lang),
                week=week_count(lang, counts.get(key, 0)),
                share=link,
            ),
            t(lang, texts.TOPIC_DEFINITION, definition=TOPIC_DEFINITIONS[key][lang]),
        ]
    own = sorted(f for f in subscriber.topics if f.startswith(KEYWORD_PREFIX))
    if own:
        keywords = listing(lang, (f"“{topic_name(f, lang)}”" for f in own))
        lines += ["", t(lang, texts.YOUR_KEYWORDS, keywords=keywords)]
    if subscriber.mutes:
        words = ", ".join(f"“{word}”" for word in sorted(subscriber.mutes))
        lines += ["", t(lang, texts.YOUR_MUTES, words=words)]
    topics_only = subscriber.alerts_mode == "topics"
    alerts = texts.TOPICS_ALERTS_TOPICS if topics_only else texts.TOPICS_ALERTS_ALL
    lines += ["", t(lang, alerts)]
    return "\n".join(lines)


async def topics(update: Update, context: BotContext) -> None:
    state = await chat_state(update, context)
    await reply(
        update,
        context,
        await topics_text(context, state),
        reply_markup=keyboards.topics_keyboard(state.subscriber, state.lang),
    )


async def on_topic_button(update: Update, context: BotContext) -> None:
    """A built-in topic toggled (t:<key>) or a keyword removed (k:<token>)."""
    query = query_of(update)
    state = await chat_state(update, context)
    lang = state.lang
    if not await may_change_settings(update, context):
        await query.answer(tp(lang, admins_only(update)), show_alert=True)
        return
    kind, value = (query.data or "").split(":", 1)
    if kind == keyboards.TOPIC:
        topic = value
    else:  # only a keyword the chat follows can be removed, by its token
        found = [f for f in state.subscriber.topics if keyboards.keyword_token(f) == value]
        if not found:
            await query.answer(tp(lang, texts.BUTTON_OUT_OF_DATE), show_alert=True)
            return
        topic = found[0]
    db, chat_id, thread = context.services.db, chat_of(update).id, topic_of(update)
    label = topic_name(topic, lang)
    if topic in state.subscriber.topics:
        await subs.unfollow(db, chat_id, topic, thread_id=thread)
        await query.answer(tp(lang, texts.TOAST_UNFOLLOWED, label=label))
    else:
        await subs.follow(db, chat_id, topic, thread_id=thread)
        await query.answer(tp(lang, texts.TOAST_FOLLOWING, label=label))
    state = await chat_state(update, context)
    await edit_html(
        query,
        await topics_text(context, state),
        keyboards.topics_keyboard(state.subscriber, state.lang),
    )
