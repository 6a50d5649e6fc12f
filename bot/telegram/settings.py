"""/settings (a panel of buttons) and the typed settings: /format, /alerts, /previews,
/tz, /quiet, /lang, /schedule, /repeats, /messages. Parsing the values is pure
(bot/preferences.py)."""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.digest.markup import format_time
from bot.i18n import listing, sentences, t, tp
from bot.preferences import SettingError, next_roundup, parse_setting
from bot.telegram import keyboards, texts
from bot.telegram.context import BotContext
from bot.telegram.parts import chat_of, query_of
from bot.telegram.permissions import admins_only, may_change_settings
from bot.telegram.replies import (
    ChatState,
    chat_state,
    clean_input,
    edit_html,
    reply,
    topic_of,
    written_state,
)
from bot.timezones import zone_label
from storage import digests as digest_store
from storage import subscribers as subs
from storage.subscribers import Subscriber

USAGES = {
    "format": texts.USAGE_FORMAT,
    "alerts": texts.USAGE_ALERTS,
    "previews": texts.USAGE_PREVIEWS,
    "tz": texts.USAGE_TZ,
    "quiet": texts.USAGE_QUIET,
    "lang": texts.USAGE_LANG,
    "schedule": texts.USAGE_SCHEDULE,
    "repeats": texts.USAGE_REPEATS,
    "messages": texts.USAGE_MESSAGES,
}


async def chat_zone(context: BotContext, subscriber: Subscriber) -> str:
    """The zone the chat's own times run in (storage/digests.py chat_zone)."""
    return await digest_store.chat_zone(context.services.db, subscriber.chat_id,
                                        subscriber.thread_id, subscriber.tz,
                                        context.services.settings.default_tz)  # fmt: skip


async def zone_now(context: BotContext, subscriber: Subscriber) -> str:
    """ "UTC+8": the chat's clock as replies name it."""
    return zone_label(await chat_zone(context, subscriber), datetime.now(UTC))


async def settings_command(update: Update, context: BotContext) -> None:
    state = await chat_state(update, context)
    zone = await zone_now(context, state.subscriber)
    await reply(
        update,
        context,
        keyboards.settings_text(state.subscriber, state.lang, zone),
        reply_markup=keyboards.settings_keyboard(state.subscriber, state.lang),
    )


def current_value(name: str, state: ChatState, zone: str = "") -> str:
    """ "/format full|brief|headlines / Now: full. Tap to change:" """
    value = keyboards.setting_value(name, state.subscriber, state.lang, zone)
    return t(state.lang, texts.CURRENT_VALUE, usage=tp(state.lang, USAGES[name]), value=value)


PROBLEMS = {
    "hour": texts.PROBLEM_HOUR,
    "minute": texts.PROBLEM_MINUTE,
    "day": texts.PROBLEM_DAY,
    "whole_hours": texts.PROBLEM_WHOLE_HOURS,
    "same_hours": texts.PROBLEM_SAME_HOURS,
    "messages": texts.PROBLEM_MESSAGES,
}


def refusal(name: str, error: SettingError, state: ChatState, zone: str = "") -> str:
    """What was wrong with a typed value, then the current value and the choices."""
    lang = state.lang
    value = error.value[:64]
    if error.problem == "tz_ambiguous":
        return t(lang, texts.TZ_WHICH, value=value)
    if name == "tz":
        text = t(lang, texts.USAGE_WITH_EXAMPLE_TZ, value=value)
        if error.suggestions:
            text += "\n" + t(lang, texts.TZ_SUGGESTIONS, zones=listing(lang, error.suggestions))
    else:
        text = t(lang, texts.BAD_VALUE, value=value)
        if error.problem in PROBLEMS:
            text = sentences(lang, text, t(lang, PROBLEMS[error.problem]))
    return text + "\n\n" + current_value(name, state, zone)


def refusal_keyboard(name: str, error: SettingError, state: ChatState) -> InlineKeyboardMarkup:
    """The setting's choices; for a zone, the ones it may have meant, if any."""
    if name == "tz" and error.suggestions:
        zones = [
            keyboards.button(zone, f"{keyboards.SETTING}:tz:{zone}")
            for zone in error.suggestions
            if len(zone) <= 40
        ]
        return InlineKeyboardMarkup(keyboards.rows_of(zones, 2))
    return keyboards.setting_keyboard(name, state.subscriber, state.lang)


def confirmation(name: str, state: ChatState, zone: str) -> str:
    """What a changed setting now is (only that: typed, it has no buttons), in the
    (maybe new) language of the chat; a time names the chat's clock, `zone`."""
    lang, subscriber = state.lang, state.subscriber
    now = datetime.fromtimestamp(time.time(), UTC)
    label = zone_label(zone, now)
    if name == "schedule":
        due = next_roundup(subscriber.schedule, zone, now.timestamp())
        if due is None:
            return t(lang, texts.SCHEDULE_SAVED_INSTANT)
        when = format_time(datetime.fromtimestamp(due, UTC), zone, lang)
        value = keyboards.schedule_text(subscriber.schedule, lang)
        return t(lang, texts.SCHEDULE_SAVED, value=value, when=when)
    if name == "tz" and subscriber.tz:
        return t(lang, texts.TZ_SAVED, zone=subscriber.tz, time=keyboards.local_time_now(zone, now))
    if name == "tz":
        return t(lang, texts.TZ_SAVED_PUBLISHED, zone=label)
    if name == "lang":
        return t(lang, texts.LANG_SAVED)
    saved = sentences(
        lang, t(lang, texts.SAVED), keyboards.setting_line(name, subscriber, lang, label)
    )
    if name == "alerts" and waits_for_a_topic(subscriber):
        saved += "\n\n" + t(lang, texts.ALERTS_NOTHING_FOLLOWED)
    return saved


def waits_for_a_topic(subscriber: Subscriber) -> bool:
    """Only items of its topics, and no topic followed: nothing will arrive."""
    return subscriber.alerts_mode == "topics" and not subscriber.topics


def typed_setting(name: str) -> Callable[[Update, BotContext], Coroutine[Any, Any, None]]:
    """The handler of /<name> [value]: no value shows the current one with buttons."""

    async def handler(update: Update, context: BotContext) -> None:
        state = await chat_state(update, context)
        if not context.args:
            markup = keyboards.setting_keyboard(name, state.subscriber, state.lang)
            zone = await zone_now(context, state.subscriber)
            await reply(update, context, current_value(name, state, zone), reply_markup=markup)
            return
        if not await may_change_settings(update, context):
            await reply(update, context, t(state.lang, admins_only(update)))
            return
        typed = clean_input(" ".join(context.args), 200)
        try:
            chosen = keyboards.typed_choice(name, typed, state.subscriber)
            values = parse_setting(name, chosen or typed)
        except SettingError as error:
            zone = await zone_now(context, state.subscriber)
            markup = refusal_keyboard(name, error, state)
            await reply(update, context, refusal(name, error, state, zone), reply_markup=markup)
            return
        chat_id, thread = chat_of(update).id, topic_of(update)
        written = await subs.update_preferences(
            context.services.db, chat_id, thread_id=thread, **values
        )
        state = written_state(update, written)
        text = confirmation(name, state, await chat_zone(context, state.subscriber))
        topics = None
        if name == "alerts" and waits_for_a_topic(state.subscriber):  # the topics to follow
            topics = keyboards.topics_keyboard(state.subscriber, state.lang)
        await reply(update, context, text, reply_markup=topics)

    handler.__name__ = f"set_{name}"
    return handler


async def on_settings_button(update: Update, context: BotContext) -> None:
    query = query_of(update)
    state = await chat_state(update, context)
    if not await may_change_settings(update, context):
        await query.answer(tp(state.lang, admins_only(update)), show_alert=True)
        return
    _, name, value = (query.data or "").split(":", 2)
    try:
        values = parse_setting(name, value)
    except SettingError:
        await query.answer(tp(state.lang, texts.BUTTON_OUT_OF_DATE), show_alert=True)
        return
    chat_id, thread = chat_of(update).id, topic_of(update)
    written = await subs.update_preferences(
        context.services.db, chat_id, thread_id=thread, **values
    )
    state = written_state(update, written)
    await query.answer(tp(state.lang, texts.TOAST_SAVED))
    await edit_html(
        query,
        keyboards.settings_text(
            state.subscriber, state.lang, await zone_now(context, state.subscriber)
        ),
        keyboards.settings_keyboard(state.subscriber, state.lang),
    )
