"""Polling the configured sources (DIGEST_SOURCES): each failure isolated and backed off."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bot.sources.ingest import FileStamps, IngestReport, ingest_targets, is_url
from storage.db import Database
from storage.sources import load_source_state

log = logging.getLogger(__name__)


async def poll_sources(
    db: Database,
    http: httpx.AsyncClient,
    sources: list[str],
    stamps: FileStamps,
    on_new: Callable[[], None],
) -> IngestReport:
    """One poll of every due source; `on_new()` when a new digest was stored."""
    report = IngestReport()
    for source in sources:
        if not await due(db, source):
            continue
        try:
            report.merge(await ingest_targets(db, [source], http, stamps=stamps))
        except Exception:  # one broken source must not stop the others
            log.exception("polling failed", extra={"source": source})
    if report.new:
        on_new()
    if report.new or report.updated or report.failed:
        log.info("polled sources: %s", report.summary())
    return report


async def due(db: Database, source: str) -> bool:
    """Feeds that failed wait out their back-off; folders are always due."""
    if not is_url(source) and Path(source).exists():
        return True
    state = await load_source_state(db, source)
    return state.next_poll_ts <= time.time()
