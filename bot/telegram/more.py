"""Long digests in a few messages: /latest sends the chat's message cap of parts at most,
and the "Show N more" button (under the last part of a capped push, roundup or /latest)
sends the next ones on request. The button's data and why it survives a restart:
bot/delivery/more.py."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.delivery import more, rendering
from bot.delivery.rendering import Source
from bot.i18n import tp
from bot.preferences import Profile
from bot.telegram import texts
from bot.telegram.context import BotContext
from bot.telegram.parts import query_of
from bot.telegram.replies import ChatState, chat_state, reply
from storage import deliveries
from storage.subscribers import Subscriber

log = logging.getLogger(__name__)


def latest_profile(subscriber: Subscriber, lang: str, default_tz: str) -> Profile:
    """/latest is asked for: the whole digest (every item, repeats shown), the chat's
    topics marked, in its format, zone, language and message cap."""
    return Profile(
        format=subscriber.format,
        previews=subscriber.previews,
        tz=subscriber.tz or default_tz,
        alerts_mode="all",
        topics=subscriber.topics,
        lang=lang,
        repeats="show",
        max_messages=subscriber.max_messages,
    )


def _keyboard(markup: dict) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b["text"], callback_data=b["callback_data"]) for b in row]
         for row in markup["inline_keyboard"]]
    )  # fmt: skip


async def send_parts(
    update: Update,
    context: BotContext,
    source: Source,
    parts: list[str],
    profile: Profile,
    *,
    kind: str,
    start: int,
    count: int,
) -> None:
    """Send parts start..start+count-1 (1-based); the last sent carries "Show N more"
    when parts remain."""
    last = min(len(parts), start + count - 1)
    for number in range(start, last + 1):
        markup = None
        if number == last and last < len(parts):
            button = more.markup(profile.lang, kind, source.published_ts, source.digest_id,
                                 last + 1, len(parts) - last)  # fmt: skip
            markup = _keyboard(button)
        await reply(update, context, parts[number - 1], previews=profile.previews,
                    reply_markup=markup)  # fmt: skip


async def send_latest(
    update: Update, context: BotContext, state: ChatState, digest_id: str
) -> None:
    """/latest: the digest's first parts, the chat's message cap of them at most."""
    source = await rendering.load(context.services.db, digest_id)
    if source is None:
        return
    profile = latest_profile(state.subscriber, state.lang, context.services.settings.default_tz)
    parts = rendering.render(source, profile).parts
    await send_parts(update, context, source, parts, profile, kind=more.LATEST, start=1,
                     count=profile.max_messages)  # fmt: skip


async def on_more_button(update: Update, context: BotContext) -> None:
    """ "Show N more": the next parts for the chat's profile as it is now."""
    query = query_of(update)
    state = await chat_state(update, context)
    db = context.services.db
    request = more.parse(query.data)
    digest_id = await more.find(db, request) if request is not None else None
    source = await rendering.load(db, digest_id) if digest_id is not None else None
    if request is None or source is None:
        await query.answer(tp(state.lang, texts.BUTTON_OUT_OF_DATE), show_alert=True)
        return
    default_tz = context.services.settings.default_tz
    if request.kind == more.LATEST:
        profile = latest_profile(state.subscriber, state.lang, default_tz)
        parts = None
    else:
        profile = await rendering.push_profile(db, source, state.subscriber, default_tz)
        parts = await deliveries.load_render(db, source.digest_id, profile.key())
    if parts is None:
        parts = rendering.render(source, profile).parts
    if request.part > len(parts):  # settings changed since: fewer parts now
        await query.answer(tp(state.lang, texts.BUTTON_OUT_OF_DATE), show_alert=True)
        return
    await query.answer()
    try:
        await query.edit_message_reply_markup(None)
    except BadRequest as error:  # its button was taken already: pressed twice
        if "not modified" in error.message.lower():
            return
    await send_parts(update, context, source, parts, profile, kind=request.kind,
                     start=request.part, count=profile.max_messages)  # fmt: skip
