"""/settings (a panel of buttons) and the typed settings: /format, /alerts, /previews,
/tz, /quiet, /lang, /schedule, /repeats, /messages. Parsing the values is pure
(bot/preferences.py)."""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from telegram import Update

from bot.digest.markup import format_time
from bot.i18n import t, tp
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
from storage import subscribers as subs

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


async def settings_command(update: Update, context: BotContext) -> None:
    state = await chat_state(update, context)
    await reply(
        update,
        context,
        keyboards.settings_text(state.subscriber, state.lang),
        reply_markup=keyboards.settings_keyboard(state.subscriber, state.lang),
    )


def current_value(name: str, state: ChatState) -> str:
    """ "/format full|brief|headlines / Now: full. Tap to change:" """
    value = keyboards.setting_value(name, state.subscriber, state.lang)
    return t(state.lang, texts.CURRENT_VALUE, usage=tp(state.lang, USAGES[name]), value=value)


def refusal(name: str, error: SettingError, state: ChatState) -> str:
    """What was wrong with a typed value, then the current value and the choices."""
    lang = state.lang
    if name == "tz":
        text = t(lang, texts.USAGE_WITH_EXAMPLE_TZ, value=error.value[:64])
        if error.suggestions:
            text += "\n" + t(lang, texts.TZ_SUGGESTIONS, zones=", ".join(error.suggestions))
    else:
        text = t(lang, texts.BAD_VALUE, value=error.value[:64])
    return text + "\n\n" + current_value(name, state)


def confirmation(name: str, state: ChatState, default_tz: str = "") -> str:
    """What a changed setting now is, in the (maybe new) language of the chat; a
    schedule says when the next roundup comes, in the chat's time."""
    lang = state.lang
    if name == "schedule":
        schedule = state.subscriber.schedule
        zone = state.subscriber.tz or default_tz or "UTC"
        due = next_roundup(schedule, zone, time.time())
        if due is None:
            return t(lang, texts.SCHEDULE_SAVED_INSTANT)
        when = format_time(datetime.fromtimestamp(due, UTC), zone, lang)
        value = keyboards.setting_value(name, state.subscriber, lang)
        return t(lang, texts.SCHEDULE_SAVED, value=value, when=when)
    if name == "tz" and state.subscriber.tz:
        now = keyboards.local_time_now(
            state.subscriber.tz, datetime.fromtimestamp(time.time(), UTC)
        )
        return t(lang, texts.TZ_SAVED, zone=state.subscriber.tz, time=now)
    if name == "lang":
        return t(lang, texts.LANG_SAVED)
    return t(lang, texts.SAVED) + "\n\n" + keyboards.settings_text(state.subscriber, lang)


def typed_setting(name: str) -> Callable[[Update, BotContext], Coroutine[Any, Any, None]]:
    """The handler of /<name> [value]: no value shows the current one with buttons."""

    async def handler(update: Update, context: BotContext) -> None:
        state = await chat_state(update, context)
        if not context.args:
            markup = keyboards.setting_keyboard(name, state.subscriber, state.lang)
            await reply(update, context, current_value(name, state), reply_markup=markup)
            return
        if not await may_change_settings(update, context):
            await reply(update, context, t(state.lang, admins_only(update)))
            return
        try:
            values = parse_setting(name, clean_input(" ".join(context.args), 200))
        except SettingError as error:
            markup = keyboards.setting_keyboard(name, state.subscriber, state.lang)
            await reply(update, context, refusal(name, error, state), reply_markup=markup)
            return
        chat_id, thread = chat_of(update).id, topic_of(update)
        written = await subs.update_preferences(
            context.services.db, chat_id, thread_id=thread, **values
        )
        state = written_state(update, written)
        default_tz = context.services.settings.default_tz
        await reply(update, context, confirmation(name, state, default_tz))

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
        keyboards.settings_text(state.subscriber, state.lang),
        keyboards.settings_keyboard(state.subscriber, state.lang),
    )
