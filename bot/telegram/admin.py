"""Admin-only commands (ADMIN_IDS) and chat life-cycle events."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot.sources.ingest import ingest_targets
from bot.telegram import handlers
from bot.telegram.keyboards import escape
from storage import deliveries, digests
from storage import subscribers as subs

log = logging.getLogger(__name__)

REFUSAL = "Sorry, that command is for the bot's admins."


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not handlers.is_bot_admin(update, context):
        await handlers.reply(update, context, REFUSAL)
        return
    db = handlers.services(context).db
    by_status = await subs.count_by_status(db)
    figures = await deliveries.delivery_stats(db)
    lines = [
        "<b>📊 Stats</b>",
        f"Subscribers: {by_status['active']} active, {by_status['paused']} paused, "
        f"{by_status['blocked']} blocked",
        f"Stored: {await digests.count_digests(db)} digests, {await digests.count_items(db)} items",
        f"Parts pending: {figures.pending}, failed: {figures.failed}",
    ]
    if figures.last_fanout is not None:
        fanout = figures.last_fanout
        lines.append(
            f"Last fan-out: {escape(fanout.digest_id)}: {fanout.parts} parts in "
            f"{fanout.duration:.1f} s ({fanout.rate:.1f} msg/s)"
        )
    if figures.latency_p50 is not None:
        lines.append(
            f"Delivery latency: p50 {figures.latency_p50:.1f} s, p95 {figures.latency_p95:.1f} s"
        )
    await handlers.reply(update, context, "\n".join(lines))


async def ingest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not handlers.is_bot_admin(update, context):
        await handlers.reply(update, context, REFUSAL)
        return
    if not context.args:
        await handlers.reply(update, context, "Usage: /ingest &lt;feed URL or path&gt;")
        return
    services = handlers.services(context)
    async with services.ingest_lock:
        report = await ingest_targets(services.ingest_db, list(context.args), services.http)
    if report.new and services.engine is not None:
        services.engine.wake()
    lines = [f"Ingested: {report.summary()}."]
    lines += [f"• {escape(what)}: {escape(why)}" for what, why in report.failed[:10]]
    await handlers.reply(update, context, "\n".join(lines))


async def on_group_migrated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group that became a supergroup keeps its subscription under the new id."""
    message = update.effective_message
    if message.migrate_to_chat_id:
        await subs.migrate_chat(
            handlers.services(context).db, message.chat.id, message.migrate_to_chat_id
        )


async def on_membership_change(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Removed from a group, or blocked in a private chat: stop sending there."""
    change = update.my_chat_member
    if change.new_chat_member.status in ("kicked", "left"):
        db = handlers.services(context).db
        if await subs.get_subscriber(db, change.chat.id) is not None:
            await subs.set_status(db, change.chat.id, "blocked")
            log.info("bot removed from chat: subscriber blocked", extra={"chat_id": change.chat.id})
