"""One handler per command; each reads storage and answers with the shared renderer."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

from telegram import (
    CallbackQuery,
    Chat,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.config import check_timezone
from bot.digest.models import ALERTS_MODES, FORMATS, Profile
from bot.digest.render import html_to_plain, render_digest, render_search_page
from bot.digest.topics import BUILTIN_TOPICS, follow_label, parse_follow
from bot.telegram import keyboards
from bot.telegram.context import Services
from storage import digests as digest_store
from storage import queries
from storage import search as search_store
from storage import subscribers as subs

log = logging.getLogger(__name__)

SEARCH_PAGE_SIZE = 5
MAX_QUERY_CHARS = 200  # longer queries are cut: nobody searches for a paragraph


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    help: str
    admin: bool = False


COMMANDS = (
    Command("start", "/start", "subscribe to the digests"),
    Command("stop", "/stop", "pause the digests (your settings are kept)"),
    Command("latest", "/latest", "the newest digest"),
    Command("search", "/search <words>", "find items in every digest so far"),
    Command("follow", "/follow <topic or keyword>", "follow a topic or your own keyword"),
    Command("unfollow", "/unfollow <topic or keyword>", "stop following it"),
    Command("topics", "/topics", "the topics, with buttons to follow them"),
    Command("settings", "/settings", "format, previews, alerts, time zone, quiet hours"),
    Command("format", "/format full|brief|headlines", "how much of each item you see"),
    Command("alerts", "/alerts all|topics", "every digest, or only items of your topics"),
    Command("previews", "/previews on|off", "link previews under messages"),
    Command("tz", "/tz <IANA zone>", "your time zone, e.g. /tz Asia/Shanghai"),
    Command("quiet", "/quiet <HH-HH>|off", "hold digests during these hours, e.g. /quiet 23-7"),
    Command("forget", "/forget", "delete everything the bot stores about this chat"),
    Command("help", "/help", "this list"),
    Command("stats", "/stats", "subscribers, digests and delivery figures", admin=True),
    Command("ingest", "/ingest <url or path>", "fetch a source now", admin=True),
)


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data["services"]


# ---- sending ---------------------------------------------------------------------------


async def send_html(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    text: str,
    *,
    previews: bool = False,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Send Telegram HTML; if Telegram cannot parse it, the same words as plain text."""
    options = LinkPreviewOptions(is_disabled=not previews)
    try:
        await context.bot.send_message(
            chat_id,
            text,
            parse_mode=ParseMode.HTML,
            link_preview_options=options,
            reply_markup=reply_markup,
        )
    except BadRequest as error:
        if "can't parse entities" not in error.message.lower():
            raise
        log.warning(
            "HTML rejected, sending plain text: %s", error.message, extra={"chat_id": chat_id}
        )
        await context.bot.send_message(
            chat_id, html_to_plain(text), link_preview_options=options, reply_markup=reply_markup
        )


async def edit_html(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    try:
        await query.edit_message_text(
            text,
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            reply_markup=markup,
        )
    except BadRequest as error:
        if "message is not modified" not in error.message.lower():
            raise


async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, **kwargs) -> None:
    await send_html(context, update.effective_chat.id, text, **kwargs)


# ---- who may do what -------------------------------------------------------------------


async def chat_subscriber(update: Update, context: ContextTypes.DEFAULT_TYPE) -> subs.Subscriber:
    """The chat's stored preferences, or the defaults for a chat the bot has not seen."""
    chat = update.effective_chat
    found = await subs.get_subscriber(services(context).db, chat.id)
    if found is not None:
        return found
    return subs.Subscriber(
        chat_id=chat.id, kind=chat.type, status="paused", tz=services(context).settings.default_tz
    )


async def may_change_settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Anyone in a private chat; in groups, only the group's admins (and the bot's)."""
    chat, user = update.effective_chat, update.effective_user
    if chat.type == ChatType.PRIVATE:
        return True
    message = update.effective_message
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id  # an anonymous admin writes as the group
    if user is None:
        return False
    if user.id in services(context).settings.admin_ids:
        return True
    member = await context.bot.get_chat_member(chat.id, user.id)
    allowed = member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
    if not allowed:
        text = "Only this group's admins can change its settings."
        if update.callback_query:
            await update.callback_query.answer(text, show_alert=True)
        else:
            await reply(update, context, text)
    return allowed


def is_bot_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    user = update.effective_user
    allowed = user is not None and user.id in services(context).settings.admin_ids
    if not allowed:
        log.warning(
            "refused admin command from user %s",
            user.id if user else None,
            extra={"chat_id": update.effective_chat.id, "update_id": update.update_id},
        )
    return allowed


def chat_kind(chat: Chat) -> str:
    return chat.type if chat.type in ("private", "group", "supergroup", "channel") else "private"


def chat_title(chat: Chat) -> str | None:
    return chat.title or chat.full_name or chat.username


# ---- subscribe -------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await may_change_settings(update, context):
        return
    db = services(context).db
    chat = update.effective_chat
    subscriber, already = await subs.subscribe(
        db, chat.id, kind=chat_kind(chat), title=chat_title(chat)
    )
    latest = await digest_store.latest_digest(db)
    lines = [
        "You are subscribed again." if already else "👋 <b>Welcome to the AI digest.</b>",
        "Every few hours I send a digest of what happened in AI: numbered items, each a "
        "linked headline with its author and a short summary.",
    ]
    if latest is not None:
        lines.append(f"Newest: <b>{keyboards.escape(latest.title)}</b> (/latest to read it).")
    lines.append(
        f"Now: format <b>{subscriber.format}</b>, time zone <b>{subscriber.tz}</b>. "
        "Change it with /settings, follow topics with /topics, pause with /stop. /help lists all."
    )
    await reply(update, context, "\n\n".join(lines))


async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await may_change_settings(update, context):
        return
    db = services(context).db
    chat_id = update.effective_chat.id
    if await subs.get_subscriber(db, chat_id) is None:
        await reply(update, context, "You were not subscribed. /start subscribes.")
        return
    await subs.set_status(db, chat_id, "paused")
    await reply(
        update,
        context,
        "⏸ Paused: no more digests. Your settings and topics are kept; /start resumes.",
    )


# ---- reading ---------------------------------------------------------------------------


async def latest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    digest = await digest_store.latest_digest(services(context).db)
    if digest is None:
        await reply(update, context, "No digest has arrived yet. /start and I'll send the next.")
        return
    subscriber = await chat_subscriber(update, context)
    # Asked for explicitly: the whole digest, with the chat's topics marked.
    profile = Profile(
        format=subscriber.format,
        previews=subscriber.previews,
        tz=subscriber.tz,
        alerts_mode="all",
        topics=subscriber.topics,
    )
    for part in render_digest(digest, profile):
        await send_html(context, update.effective_chat.id, part, previews=profile.previews)


async def search(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = " ".join(context.args or []).strip()[:MAX_QUERY_CHARS]
    if not search_store.query_terms(query):
        await reply(
            update,
            context,
            "Usage: /search <words>, e.g. <code>/search 模型</code> or "
            "<code>/search OpenAI agent</code>. Several words must all match.",
        )
        return
    query_id = await queries.save_query(services(context).db, query)
    text, markup = await search_page(context, update.effective_chat.id, query_id, query, 0)
    await reply(update, context, text, reply_markup=markup)


async def search_page(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, query_id: int, query: str, offset: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    db = services(context).db
    page = await search_store.search(db, query, offset=offset, limit=SEARCH_PAGE_SIZE)
    if not page.hits:
        shown = keyboards.escape(query[:80])
        if offset:
            return f"No more results for <b>{shown}</b>.", None
        return (
            f"Nothing found for <b>{shown}</b>. Try fewer or shorter words "
            "(every word must match).",
            None,
        )
    subscriber = await subs.get_subscriber(db, chat_id)
    tz = subscriber.tz if subscriber else services(context).settings.default_tz
    return render_search_page(page, tz=tz), keyboards.search_pager(
        query_id, offset, SEARCH_PAGE_SIZE, page.has_more
    )


async def on_search_button(update: Update, context: ContextTypes.DEFAULT_TYPE, args: list[str]):
    query = update.callback_query
    query_id, offset = int(args[0]), max(0, int(args[1]))
    text = await queries.get_query(services(context).db, query_id)
    if text is None:
        await query.answer("This search has expired; send /search again.", show_alert=True)
        return
    await query.answer()
    page_text, markup = await search_page(context, query.message.chat.id, query_id, text, offset)
    await edit_html(query, page_text, markup)


# ---- topics ----------------------------------------------------------------------------


async def follow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await change_follow(update, context, following=True)


async def unfollow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await change_follow(update, context, following=False)


async def change_follow(update: Update, context: ContextTypes.DEFAULT_TYPE, following: bool):
    if not await may_change_settings(update, context):
        return
    topic = parse_follow(" ".join(context.args or []))
    if topic is None:
        verb = "follow" if following else "unfollow"
        await reply(
            update,
            context,
            f"Usage: /{verb} &lt;topic or keyword&gt;, e.g. <code>/{verb} chips</code> or "
            f"<code>/{verb} Gemini</code>. /topics shows the built-in topics.",
        )
        return
    db, chat_id = services(context).db, update.effective_chat.id
    label = keyboards.escape(follow_label(topic))
    if following:
        changed = await subs.follow(db, chat_id, topic)
        text = f"🔔 Following <b>{label}</b>." if changed else f"You already follow <b>{label}</b>."
        subscriber = await subs.get_subscriber(db, chat_id)
        if subscriber and subscriber.alerts_mode == "all":
            text += " Matching items are marked in each digest; /alerts topics sends only them."
    else:
        changed = await subs.unfollow(db, chat_id, topic)
        text = f"Unfollowed <b>{label}</b>." if changed else f"You did not follow <b>{label}</b>."
    await reply(update, context, text)


async def topics(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    subscriber = await chat_subscriber(update, context)
    await reply(
        update,
        context,
        keyboards.topics_text(subscriber),
        reply_markup=keyboards.topics_keyboard(subscriber),
    )


async def on_topic_button(update: Update, context: ContextTypes.DEFAULT_TYPE, args: list[str]):
    query = update.callback_query
    if not await may_change_settings(update, context):
        return
    topic = ":".join(args)
    if topic not in BUILTIN_TOPICS and not topic.startswith("kw:"):
        await query.answer("This button is out of date; send /topics again.", show_alert=True)
        return
    db, chat_id = services(context).db, query.message.chat.id
    if topic in (await chat_subscriber(update, context)).topics:
        await subs.unfollow(db, chat_id, topic)
        await query.answer(f"Unfollowed {follow_label(topic)}")
    else:
        await subs.follow(db, chat_id, topic)
        await query.answer(f"Following {follow_label(topic)}")
    subscriber = await chat_subscriber(update, context)
    await edit_html(query, keyboards.topics_text(subscriber), keyboards.topics_keyboard(subscriber))


# ---- settings --------------------------------------------------------------------------


class SettingError(ValueError):
    """A preference value that is not allowed; the message is shown to the user."""


def parse_setting(name: str, value: str) -> dict[str, object]:
    """Turn a typed or pressed value into subscriber columns."""
    value = value.strip()
    lowered = value.lower()
    if name == "format":
        if lowered not in FORMATS:
            raise SettingError("Usage: /format full|brief|headlines")
        return {"format": lowered}
    if name == "alerts":
        if lowered not in ALERTS_MODES:
            raise SettingError("Usage: /alerts all|topics (topics: only items of your topics)")
        return {"alerts_mode": lowered}
    if name == "previews":
        if lowered not in ("on", "off"):
            raise SettingError("Usage: /previews on|off")
        return {"previews": lowered == "on"}
    if name == "tz":
        try:
            check_timezone(value)
        except ValueError as error:
            raise SettingError(
                f"{keyboards.escape(str(error))}. Usage: /tz Asia/Shanghai"
            ) from None
        return {"tz": value}
    if name == "quiet":
        if lowered in ("off", "none", "no"):
            return {"quiet_from": None, "quiet_to": None}
        hours = parse_quiet_hours(lowered)
        if hours is None:
            raise SettingError("Usage: /quiet 23-7 (hours 0-23, in your time zone) or /quiet off")
        return {"quiet_from": hours[0], "quiet_to": hours[1]}
    raise SettingError(f"Unknown setting {name}")


def parse_quiet_hours(text: str) -> tuple[int, int] | None:
    parts = text.replace("–", "-").replace(" ", "").split("-")
    if len(parts) != 2:
        return None
    try:
        start_hour, end_hour = (int(part.split(":")[0]) for part in parts)
    except ValueError:
        return None
    if not (0 <= start_hour <= 23 and 0 <= end_hour <= 23) or start_hour == end_hour:
        return None
    return start_hour, end_hour


async def settings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    subscriber = await chat_subscriber(update, context)
    await reply(
        update,
        context,
        keyboards.settings_text(subscriber),
        reply_markup=keyboards.settings_keyboard(subscriber),
    )


def typed_setting(name: str):
    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not await may_change_settings(update, context):
            return
        try:
            values = parse_setting(name, " ".join(context.args or []))
        except SettingError as error:
            await reply(update, context, str(error))
            return
        subscriber = await subs.update_preferences(
            services(context).db, update.effective_chat.id, **values
        )
        await reply(update, context, "✅ Saved.\n\n" + keyboards.settings_text(subscriber))

    handler.__name__ = f"set_{name}"
    return handler


async def on_settings_button(update: Update, context: ContextTypes.DEFAULT_TYPE, args: list[str]):
    query = update.callback_query
    if not await may_change_settings(update, context):
        return
    try:
        values = parse_setting(args[0], ":".join(args[1:]))
    except (SettingError, IndexError):
        await query.answer("This button is out of date; send /settings again.", show_alert=True)
        return
    subscriber = await subs.update_preferences(
        services(context).db, query.message.chat.id, **values
    )
    await query.answer("Saved")
    await edit_html(
        query, keyboards.settings_text(subscriber), keyboards.settings_keyboard(subscriber)
    )


# ---- privacy ---------------------------------------------------------------------------


async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await may_change_settings(update, context):
        return
    await reply(
        update,
        context,
        "Delete everything I store about this chat (subscription, settings, topics, "
        "delivery records)? This cannot be undone.",
        reply_markup=keyboards.forget_keyboard(),
    )


async def on_forget_button(update: Update, context: ContextTypes.DEFAULT_TYPE, args: list[str]):
    query = update.callback_query
    if not await may_change_settings(update, context):
        return
    await query.answer()
    if args and args[0] == "yes":
        await subs.forget(services(context).db, query.message.chat.id)
        await edit_html(query, "🗑 Done: nothing about this chat is stored any more.", None)
    else:
        await edit_html(query, "Kept: nothing was deleted.", None)


# ---- help and the rest -----------------------------------------------------------------


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lines = ["<b>Commands</b>"]
    lines += [
        f"{keyboards.escape(command.usage)} — {command.help}"
        for command in COMMANDS
        if not command.admin
    ]
    user = update.effective_user
    if user and user.id in services(context).settings.admin_ids:
        lines.append("\n<b>Admin</b>")
        lines += [f"{keyboards.escape(c.usage)} — {c.help}" for c in COMMANDS if c.admin]
    await reply(update, context, "\n".join(lines))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text = (update.effective_message.text or "").split()[0][:40]
    await reply(
        update, context, f"I don't know {keyboards.escape(text)}. /help lists every command."
    )


async def plain_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Chatter in a private chat gets a pointer; in groups the bot stays quiet."""
    await reply(
        update, context, "I answer commands: /search &lt;words&gt; to search, /help for the rest."
    )


CALLBACKS = {
    keyboards.SEARCH: on_search_button,
    keyboards.TOPIC: on_topic_button,
    keyboards.SETTING: on_settings_button,
    keyboards.FORGET: on_forget_button,
}


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    kind, *args = (query.data or "").split(":")
    handler = CALLBACKS.get(kind)
    if handler is None or query.message is None:
        await query.answer("This button is out of date.", show_alert=True)
        return
    try:
        await handler(update, context, args)
    except (ValueError, IndexError):
        await query.answer("This button is out of date.", show_alert=True)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the update id and the exception (never the token), tell the user without details."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error(
        "error while handling an update: %r",
        context.error,
        exc_info=context.error,
        extra={"update_id": update_id},
    )
    if isinstance(update, Update) and update.effective_chat is not None:
        with contextlib.suppress(TelegramError):  # the chat may be gone; logged above
            await context.bot.send_message(
                update.effective_chat.id, "Sorry, something went wrong. Please try again later."
            )


async def log_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """One line per incoming update: what kind, never the user's text (privacy)."""
    if update.callback_query:
        what = f"button {(update.callback_query.data or '').split(':')[0]}"
    elif update.effective_message and (update.effective_message.text or "").startswith("/"):
        what = update.effective_message.text.split()[0].split("@")[0][:32]
    elif update.my_chat_member:
        what = f"membership {update.my_chat_member.new_chat_member.status}"
    else:
        what = "message"
    chat = update.effective_chat
    log.info(
        "update: %s",
        what,
        extra={"update_id": update.update_id, "chat_id": chat.id if chat else None},
    )


def add_handlers(application: Application) -> None:
    from bot.telegram import admin  # admin commands live in their own module

    command_handlers = {
        "start": start,
        "stop": stop,
        "latest": latest,
        "search": search,
        "follow": follow,
        "unfollow": unfollow,
        "topics": topics,
        "settings": settings_command,
        "format": typed_setting("format"),
        "alerts": typed_setting("alerts"),
        "previews": typed_setting("previews"),
        "tz": typed_setting("tz"),
        "quiet": typed_setting("quiet"),
        "forget": forget,
        "help": help_command,
        "stats": admin.stats,
        "ingest": admin.ingest,
    }
    assert set(command_handlers) == {command.name for command in COMMANDS}
    application.add_handler(TypeHandler(Update, log_update), group=-1)
    for name, callback in command_handlers.items():
        application.add_handler(CommandHandler(name, callback))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, plain_text)
    )
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, admin.on_group_migrated))
    application.add_handler(
        ChatMemberHandler(admin.on_membership_change, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_error_handler(on_error)
