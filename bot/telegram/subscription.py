"""/start (with deep links), /stop and /forget."""

from __future__ import annotations

from telegram import Update

from bot.digest.topics import TOPIC_KEYS, topic_name
from bot.i18n import t, tp
from bot.telegram import keyboards, texts
from bot.telegram.context import BotContext
from bot.telegram.parts import chat_of, query_of
from bot.telegram.permissions import admins_only, may_change_settings
from bot.telegram.replies import chat_kind, chat_state, chat_title, edit_html, reply, topic_of
from bot.telegram.sources import taken
from storage import digests as digest_store
from storage import subscribers as subs
from storage.subscribers import ChatStatus


async def start(update: Update, context: BotContext) -> None:
    state = await chat_state(update, context)
    lang = state.lang
    if not await may_change_settings(update, context):
        await reply(update, context, t(lang, admins_only(update)))
        return
    db = context.services.db
    chat, thread = chat_of(update), topic_of(update)
    subscriber, before = await subs.subscribe(
        db,
        chat.id,
        kind=chat_kind(chat),
        title=chat_title(chat),
        lang=state.subscriber.lang or lang,
        thread_id=thread,
    )
    lines = []
    if before == ChatStatus.ACTIVE:
        lines.append(t(lang, texts.ALREADY_SUBSCRIBED))
    elif before is None:
        lines += [t(lang, texts.WELCOME), t(lang, texts.ABOUT)]
    else:
        lines.append(t(lang, texts.WELCOME_BACK))
    # A deep link t.me/<bot>?start=<topic> subscribes and follows that topic in one tap.
    topic = (context.args or [""])[0].lower()
    if topic in TOPIC_KEYS:
        await subs.follow(db, chat.id, topic, thread_id=thread)
        name = topic_name(topic, lang)
        lines.append(t(lang, texts.FOLLOWING_FROM_LINK, topic=name))
        subscriber = await subs.get_subscriber(db, chat.id, thread) or subscriber
    if before is None:
        latest = await digest_store.latest_digest(db, sources=await taken(context, update, state))
        if latest is not None:
            lines.append(t(lang, texts.NEWEST, title=latest.title[:200]))
        lines.append(
            t(
                lang,
                texts.NOW_SETTINGS,
                format=keyboards.setting_value("format", subscriber, lang),
                tz=keyboards.setting_value("tz", subscriber, lang),
            )
        )
    await reply(update, context, "\n\n".join(lines))


async def stop(update: Update, context: BotContext) -> None:
    state = await chat_state(update, context)
    if not await may_change_settings(update, context):
        await reply(update, context, t(state.lang, admins_only(update)))
        return
    if not state.stored:
        await reply(update, context, t(state.lang, texts.NOT_SUBSCRIBED))
        return
    db, chat_id = context.services.db, chat_of(update).id
    await subs.set_status(db, chat_id, ChatStatus.PAUSED, thread_id=topic_of(update))
    await reply(update, context, t(state.lang, texts.PAUSED))


async def forget(update: Update, context: BotContext) -> None:
    state = await chat_state(update, context)
    if not await may_change_settings(update, context):
        await reply(update, context, t(state.lang, admins_only(update)))
        return
    await reply(
        update,
        context,
        t(state.lang, texts.FORGET_CONFIRM),
        reply_markup=keyboards.forget_keyboard(state.lang),
    )


async def on_forget_button(update: Update, context: BotContext) -> None:
    query = query_of(update)
    state = await chat_state(update, context)
    if not await may_change_settings(update, context):
        await query.answer(tp(state.lang, admins_only(update)), show_alert=True)
        return
    await query.answer()
    if query.data == f"{keyboards.FORGET}:yes":
        db, chat_id = context.services.db, chat_of(update).id
        await subs.forget(db, chat_id, thread_id=topic_of(update))
        await edit_html(query, t(state.lang, texts.FORGOTTEN), None)
    else:
        await edit_html(query, t(state.lang, texts.KEPT), None)
