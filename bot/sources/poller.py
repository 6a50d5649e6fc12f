"""Polling the configured sources (DIGEST_SOURCES): one task per source, so a slow or
failing source never delays another; stopping cancels fetches in flight.

A source that fails is logged at WARNING with the reason (no such folder, HTTP 404, not
a feed) once per change of its state, not at every poll; its recovery at INFO. Folders
are checked at start-up, so a mistyped path is told before the first poll."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bot.sources.allowed import is_url
from bot.sources.feeds import POST_SUFFIXES, post_files
from bot.sources.ingest import NO_SUCH, FileStamps, ingest_targets
from storage.db import Database
from storage.digest_sources import claim
from storage.sources import load_source_state

log = logging.getLogger(__name__)

FIRST_POLL_AFTER = 1.0  # seconds after start-up
NO_FOLDER = "no such folder"


class SourcePoller:
    def __init__(
        self,
        db: Database,
        http: httpx.AsyncClient,
        sources: list[tuple[str | None, str]],
        interval: float,
        on_new: Callable[[], None],
        default_tz: str = "",
    ) -> None:
        self.db = db
        self.http = http
        self.sources = sources  # (name or None, feed URL or folder): DIGEST_SOURCES
        self.claimed: dict[str, set[str]] = {}  # target -> names already claimed for it
        self.interval = interval
        self.on_new = on_new
        self.default_tz = default_tz  # DEFAULT_TZ: a source's days, before it has any
        self.stamps: FileStamps = {}  # folders: files unchanged since their last ingest
        self.polls = 0  # polls finished, all sources together (tests wait on it)
        self.failing: dict[str, str] = {}  # source -> why it fails, as last logged
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self.check_folders()
        self._tasks = [
            asyncio.create_task(self._poll_forever(target, name), name=f"poll {n}")
            for n, (name, target) in enumerate(self.sources)
        ]

    def check_folders(self) -> None:
        """Say at start-up which configured folders are missing or hold no post."""
        for _, source in self.sources:
            if is_url(source):
                continue
            path = Path(source)
            if not path.exists():
                self._report(source, NO_FOLDER)
            elif path.is_dir() and not post_files(path):
                log.warning("source %s: no posts (%s) in this folder yet", source,
                            ", ".join(POST_SUFFIXES), extra={"source": source})  # fmt: skip

    def _report(self, source: str, reason: str) -> None:
        """Log a source's state when it changed: failing (why), or working again."""
        before = self.failing.get(source, "")
        if reason == before:
            return
        if reason:
            self.failing[source] = reason
            log.warning("source %s fails: %s", source, reason, extra={"source": source})
        else:
            del self.failing[source]
            log.info("source %s works again", source, extra={"source": source})

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _poll_forever(self, source: str, name: str | None) -> None:
        await asyncio.sleep(FIRST_POLL_AFTER)
        while True:
            await self.poll_once(source, name)
            await asyncio.sleep(self.interval)

    async def poll_once(self, source: str, name: str | None = None) -> None:
        """One poll of one source, if it is due; its failures are logged and backed off."""
        try:
            await self._poll(source, name)
        finally:
            self.polls += 1

    async def _poll(self, source: str, name: str | None) -> None:
        try:
            if not await due(self.db, source):
                return
            report = await ingest_targets(
                self.db,
                [source],
                self.http,
                stamps=self.stamps,
                name=name,
                smallest_first=True,
                default_tz=self.default_tz,
            )
            claimed = self.claimed.setdefault(source, set())
            if not report.sources <= claimed:  # the sources this entry gives: still published
                await claim(self.db, report.sources, source)
                claimed |= report.sources
        except Exception:  # a broken source must not end its own polling either
            log.exception("polling failed", extra={"source": source})
            return
        if report.new:
            self.on_new()
        # The source's own failure (a post that does not parse is logged by ingest).
        reasons = [why for what, why in report.failed if what == source]
        self._report(source, NO_FOLDER if NO_SUCH in reasons else "; ".join(reasons))
        if report.new or report.updated:
            log.info("polled: %s", report.summary(), extra={"source": source})


async def due(db: Database, source: str) -> bool:
    """Feeds that failed wait out their back-off; folders are always due."""
    if not is_url(source) and Path(source).exists():
        return True
    state = await load_source_state(db, source)
    return state.next_poll_ts <= time.time()
