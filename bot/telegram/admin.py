"""Admin-only commands (ADMIN_IDS): /stats and /ingest."""

from __future__ import annotations

import html
import logging

from telegram import Update

from bot.i18n import t
from bot.sources.allowed import (
    NotAllowed,
    Unresolvable,
    check_path,
    check_public_url,
    is_url,
    public_only_client,
)
from bot.sources.feeds import DEFAULT_TIMEOUT as FEED_TIMEOUT
from bot.sources.ingest import IngestReport, ingest_targets, local_target
from bot.telegram import texts
from bot.telegram.context import BotContext
from bot.telegram.permissions import is_bot_admin
from bot.telegram.replies import chat_state, reply
from storage import deliveries, digests
from storage import subscribers as subs
from storage.subscribers import ChatStatus

log = logging.getLogger(__name__)


async def stats(update: Update, context: BotContext) -> None:
    lang = (await chat_state(update, context)).lang
    if not is_bot_admin(update, context):
        await reply(update, context, t(lang, texts.ADMIN_REFUSAL))
        return
    db = context.services.db
    by_status = await subs.count_by_status(db)
    figures = await deliveries.delivery_stats(db)
    lines = [
        t(lang, texts.STATS_TITLE),
        t(
            lang,
            texts.STATS_SUBSCRIBERS,
            active=by_status[ChatStatus.ACTIVE],
            paused=by_status[ChatStatus.PAUSED],
            blocked=by_status[ChatStatus.BLOCKED],
        ),
        t(
            lang,
            texts.STATS_STORED,
            digests=await digests.count_digests(db),
            items=await digests.count_items(db),
        ),
        t(lang, texts.STATS_PARTS, pending=figures.pending, failed=figures.failed),
    ]
    if figures.last_fanout is not None:
        fanout = figures.last_fanout
        lines.append(
            t(
                lang,
                texts.STATS_FANOUT,
                digest=await digests.digest_title(db, fanout.digest_id) or fanout.digest_id,
                parts=fanout.parts,
                seconds=f"{fanout.duration:.1f}",
                rate=f"{fanout.rate:.1f}",
            )
        )
    if figures.latency_p50 is not None:
        lines.append(
            t(
                lang,
                texts.STATS_LATENCY,
                p50=f"{figures.latency_p50:.1f}",
                p95=f"{figures.latency_p95:.1f}",
            )
        )
    health = context.services.engine.health if context.services.engine else None
    if health is not None and health.down:
        seconds = f"{health.outage_seconds():.0f}"
        error = html.escape(health.last_error[:200])
        lines.append(t(lang, texts.STATS_OUTAGE, seconds=seconds, error=error))
    await reply(update, context, "\n".join(lines))


async def ingest(update: Update, context: BotContext) -> None:
    """Fetch sources now. Only what /ingest may read (bot/sources/allowed.py); failures
    are told without details (the log has them: an error text can tell a port is open)."""
    lang = (await chat_state(update, context)).lang
    if not is_bot_admin(update, context):
        await reply(update, context, t(lang, texts.ADMIN_REFUSAL))
        return
    if not context.args:
        await reply(update, context, t(lang, texts.INGEST_USAGE))
        return
    services = context.services
    settings = services.settings
    report = IngestReport()
    refused: list[str] = []
    unresolved: list[tuple[str, str]] = []  # (target, host)
    async with public_only_client(FEED_TIMEOUT) as guarded:
        http = services.http if settings.ingest_allow_private else guarded
        for target in context.args[:10]:
            try:
                if not settings.ingest_allow_private:
                    if is_url(target):
                        await check_public_url(target)
                    else:
                        check_path(local_target(target), settings.source_targets)
                report.merge(
                    await ingest_targets(
                        services.db, [target], http, default_tz=settings.default_tz
                    )
                )
            except Unresolvable as error:
                unresolved.append((target, error.host))
                log.warning("/ingest: cannot resolve %s", error.host)
            except NotAllowed:
                refused.append(target)
                log.warning("/ingest refused a target outside the allowed sources")
    if report.new and services.engine is not None:
        services.engine.wake()
    lines = [
        t(
            lang,
            texts.INGEST_DONE,
            new=len(report.new),
            updated=len(report.updated),
            unchanged=len(report.unchanged),
            failed=len(report.failed) + len(refused) + len(unresolved),
        )
    ]
    for what, why in report.failed[:10]:
        log.warning("/ingest failed: %s: %s", what, why)
        lines.append(t(lang, texts.INGEST_FAILED_LINE, what=what[:200]))
    lines += [t(lang, texts.INGEST_REFUSED_LINE, what=what[:200]) for what in refused]
    lines += [
        t(lang, texts.INGEST_UNRESOLVED_LINE, what=what[:200], host=host[:100])
        for what, host in unresolved
    ]
    await reply(update, context, "\n".join(lines))
