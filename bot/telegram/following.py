"""/follow, /unfollow and /topics with its buttons."""

from __future__ import annotations

from telegram import Update

from bot.digest.topics import BUILTIN_TOPICS, KEYWORD_PREFIX, parse_follow
from bot.i18n import t, tp
from bot.telegram import keyboards, texts
from bot.telegram.context import BotContext
from bot.telegram.permissions import may_change_settings
from bot.telegram.replies import ChatState, chat_state, edit_html, reply
from storage import subscribers as subs

MAX_KEYWORDS_PER_CHAT = 50
MAX_KEYWORD_CHARS = 64
_SEPARATORS = frozenset(",|:\n")


def keyword_problem(keyword: str) -> str | None:
    """Why a keyword cannot be followed (a text), or None."""
    if any(char in _SEPARATORS for char in keyword):
        return texts.KEYWORD_SEPARATOR
    if not any(char.isalnum() for char in keyword):
        return texts.KEYWORD_NO_LETTERS
    if len(keyword) == 1 and keyword.isascii():
        return texts.KEYWORD_TOO_SHORT
    if len(keyword) > MAX_KEYWORD_CHARS:
        return texts.KEYWORD_TOO_LONG
    return None


async def follow(update: Update, context: BotContext) -> None:
    await change_follow(update, context, following=True)


async def unfollow(update: Update, context: BotContext) -> None:
    await change_follow(update, context, following=False)


async def change_follow(update: Update, context: BotContext, *, following: bool) -> None:
    state = await chat_state(update, context)
    lang = state.lang
    if not await may_change_settings(update, context):
        await reply(update, context, t(lang, texts.ADMINS_ONLY))
        return
    text = " ".join(context.args or [])
    # Lone surrogates cannot be stored or sent: drop them before anything else.
    text = text.encode("utf-8", "ignore").decode("utf-8")
    topic = parse_follow(text)
    if topic is None:
        verb = "follow" if following else "unfollow"
        await reply(update, context, t(lang, texts.FOLLOW_USAGE, verb=verb))
        return
    db, chat_id = context.services.db, update.effective_chat.id
    label = keyboards.topic_name(topic, lang)
    if not following:
        changed = await subs.unfollow(db, chat_id, topic)
        message = texts.UNFOLLOWED if changed else texts.NOT_FOLLOWING
        await reply(update, context, t(lang, message, label=label))
        return
    if topic.startswith(KEYWORD_PREFIX):
        problem = keyword_problem(topic[len(KEYWORD_PREFIX) :])
        own = [f for f in state.subscriber.topics if f.startswith(KEYWORD_PREFIX)]
        if problem is None and topic not in own and len(own) >= MAX_KEYWORDS_PER_CHAT:
            problem = texts.KEYWORD_LIMIT
        if problem is not None:
            limit = MAX_KEYWORDS_PER_CHAT if problem == texts.KEYWORD_LIMIT else MAX_KEYWORD_CHARS
            await reply(update, context, t(lang, problem, max=limit))
            return
    changed = await subs.follow(db, chat_id, topic)
    text = t(lang, texts.FOLLOWING if changed else texts.ALREADY_FOLLOWING, label=label)
    if state.subscriber.alerts_mode == "all":
        text += " " + t(lang, texts.FOLLOW_MARKED_HINT)
    await reply(update, context, text)


def topics_text(state: ChatState) -> str:
    lang, subscriber = state.lang, state.subscriber
    lines = [t(lang, texts.TOPICS_TITLE), t(lang, texts.TOPICS_HELP), ""]
    for key, topic in BUILTIN_TOPICS.items():
        mark = "✅" if key in subscriber.topics else "▫️"
        sample = ", ".join(topic.keywords[:4])
        name = keyboards.topic_name(key, lang)
        lines.append(t(lang, texts.TOPIC_LINE, mark=mark, name=name, definition=sample))
    own = sorted(f for f in subscriber.topics if f.startswith(KEYWORD_PREFIX))
    if own:
        keywords = ", ".join(f"“{keyboards.topic_name(f, lang)}”" for f in own)
        lines += ["", t(lang, texts.YOUR_KEYWORDS, keywords=keywords)]
    topics_only = subscriber.alerts_mode == "topics"
    alerts = texts.TOPICS_ALERTS_TOPICS if topics_only else texts.TOPICS_ALERTS_ALL
    lines += ["", t(lang, alerts)]
    return "\n".join(lines)


async def topics(update: Update, context: BotContext) -> None:
    state = await chat_state(update, context)
    await reply(
        update,
        context,
        topics_text(state),
        reply_markup=keyboards.topics_keyboard(state.subscriber, state.lang),
    )


async def on_topic_button(update: Update, context: BotContext) -> None:
    """A built-in topic toggled (t:<key>) or a keyword removed (k:<token>)."""
    query = update.callback_query
    state = await chat_state(update, context)
    lang = state.lang
    if not await may_change_settings(update, context):
        await query.answer(t(lang, texts.ADMINS_ONLY), show_alert=True)
        return
    kind, value = query.data.split(":", 1)
    if kind == keyboards.TOPIC:
        topic = value
    else:  # only a keyword the chat follows can be removed, by its token
        found = [f for f in state.subscriber.topics if keyboards.keyword_token(f) == value]
        if not found:
            await query.answer(tp(lang, texts.BUTTON_OUT_OF_DATE), show_alert=True)
            return
        topic = found[0]
    db, chat_id = context.services.db, update.effective_chat.id
    label = keyboards.topic_name(topic, lang)
    if topic in state.subscriber.topics:
        await subs.unfollow(db, chat_id, topic)
        await query.answer(tp(lang, texts.TOAST_UNFOLLOWED, label=label))
    else:
        await subs.follow(db, chat_id, topic)
        await query.answer(tp(lang, texts.TOAST_FOLLOWING, label=label))
    state = await chat_state(update, context)
    await edit_html(
        query, topics_text(state), keyboards.topics_keyboard(state.subscriber, state.lang)
    )
