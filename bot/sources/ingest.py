"""Ingest: turn paths and feed URLs into stored digests, reporting each outcome.
Used by `digest-bot ingest`, the admin /ingest command and the polling job."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

from bot.digest.limits import MAX_ITEMS, clip_digest
from bot.digest.models import Digest
from bot.digest.parse import ParseError, parse_file_result
from bot.sources.allowed import is_url
from bot.sources.feeds import SourceError, digests_from_feed, fetch_feed, post_files
from bot.sources.parse_worker import kill_all, parse_with_budget
from bot.timezones import zone_for
from storage.db import Database
from storage.digest_sources import rename
from storage.digests import published_zone, save_digest
from storage.search import merge_search_index
from storage.sources import load_source_state, save_source_state

log = logging.getLogger(__name__)

FIRST_BACKOFF, MAX_BACKOFF = 30, 3600  # seconds before polling a failing feed again
NO_SUCH = "no such file or folder"


@dataclass
class IngestReport:
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (what, why)
    sources: set[str] = field(default_factory=set)  # names of the sources of the digests seen
    renamed: set[str] = field(default_factory=set)  # former names moved to the given name

    def merge(self, other: IngestReport) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.failed += other.failed
        self.sources |= other.sources

    def summary(self) -> str:
        return (
            f"{len(self.new)} new, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.failed)} failed"
        )


FUTURE_TOLERANCE = timedelta(days=1)  # clocks and time zones differ; a year ahead is wrong


def with_sane_date(digest: Digest, now: datetime) -> Digest:
    """A digest dated beyond tomorrow would stay "newest" for years: date it now."""
    if digest.published_at <= now + FUTURE_TOLERANCE:
        return digest
    log.warning(
        "digest %s is dated %s, in the future: stored as published now",
        digest.id,
        digest.published_at.isoformat(),
        extra={"digest_id": digest.id},
    )
    return replace(digest, published_at=now.astimezone(digest.published_at.tzinfo))


async def store(
    db: Database, digest: Digest, report: IngestReport, name: str | None = None
) -> None:
    """Every ingest path ends here: the digest within every size limit (a feed's batch
    is built outside the parser), sanely dated, stored once; `name`: its source's name
    as DIGEST_SOURCES gives it (the id stays as the post's path or feed gives it)."""
    if name and name != digest.source:
        if digest.source not in report.renamed:  # once a batch: it stored under its own name
            report.renamed.add(digest.source)
            await rename(db, digest.source, name)
        digest = replace(digest, source=name)
    report.sources.add(digest.source)
    digest, dropped = clip_digest(digest)
    if dropped:
        log.warning(
            "digest %s: %d items past the first %d dropped", digest.id, dropped, MAX_ITEMS,
            extra={"digest_id": digest.id},
        )  # fmt: skip
    digest = with_sane_date(digest, datetime.now(UTC))
    outcome = await save_digest(db, digest)
    getattr(report, outcome).append(digest.id)
    if outcome != "unchanged":
        log.info(
            "%s digest %s (%d items)",
            outcome,
            digest.id,
            len(digest.items),
            extra={"digest_id": digest.id},
        )


# Parsing takes CPU: up to seconds for a hostile post. A thread keeps it off the loop
# but not off the GIL, and a parser working on a 500 KB string holds it for 100-300 ms
# at a time (bench/loop_stall.py): big posts go to a separate process instead, one per
# post, within a time and memory budget (parse_worker.py).
BIG_POST_BYTES = 64 * 1024


def shutdown_parsers() -> None:
    """Kill a parse in flight (at shutdown; its post is read again next time)."""
    kill_all()


async def parse_off_loop(path: Path, size: int, zone: tzinfo | None = None) -> Digest:
    """parse_file in a thread, or for a big post in a process of its own with a budget;
    `zone`: the day of a post dated without a time or zone is a day there.
    A post whose structure the parser could not read clearly is logged, naming it."""
    if size < BIG_POST_BYTES:
        result = await asyncio.to_thread(parse_file_result, path, zone)
    else:
        result = await asyncio.to_thread(parse_with_budget, path, zone)
    if result.explanation is not None and result.explanation.unclear:
        log.warning("post %s: %s", path, result.explanation.unclear)
    return result.digest


FileStamps = dict[Path, tuple[int, int]]  # path -> (mtime_ns, size) when last ingested


async def ingest_file(
    db: Database,
    path: Path,
    report: IngestReport,
    stamps: FileStamps | None = None,
    name: str | None = None,
    default_tz: str = "",
) -> None:
    """Parse and store one post; with `stamps`, a file unchanged since last time is skipped
    (the polling job would otherwise re-parse a whole folder every poll). A post dated
    with a day alone, naming no zone, is a day in the zone its source's earlier posts
    were published in, else in `default_tz` (DEFAULT_TZ), else in UTC."""
    try:
        stat = path.stat()
    except OSError as error:  # removed or unreadable since the folder was listed
        report.failed.append((str(path), error.strerror or str(error)))
        return
    stamp = (stat.st_mtime_ns, stat.st_size)
    if stamps is not None and stamps.get(path) == stamp:
        report.unchanged.append(str(path))
        return
    if is_feed_file(path):
        await ingest_feed_file(db, path, report, name)
        if stamps is not None:
            stamps[path] = stamp
        return
    try:
        zone = await source_zone(db, name or path.parent.name, default_tz)
        digest = await parse_off_loop(path, stat.st_size, zone)
    except ParseError as error:
        report.failed.append((str(path), error.reason))
        log.warning("skipped %s", error)
    else:
        await store(db, digest, report, name)
    if stamps is not None:
        stamps[path] = stamp  # a broken post is reported once, again only when it changes


async def source_zone(db: Database, source: str, default_tz: str) -> tzinfo | None:
    """The zone of a source's own days: its earlier digests' offset, else DEFAULT_TZ."""
    return zone_for(await published_zone(db, [source]) or default_tz)


FEED_SUFFIXES = (".xml", ".rss", ".atom")
_FEED_STARTS = (b"<?xml", b"<rss", b"<feed", b"<rdf:rdf")


def is_feed_file(path: Path) -> bool:
    """A saved RSS or Atom feed (rss.xml), not a post: by its suffix or first bytes."""
    if path.suffix.lower() in FEED_SUFFIXES:
        return True
    try:
        with path.open("rb") as file:
            start = file.read(256).lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    except OSError:
        return False
    return start.startswith(_FEED_STARTS)


async def ingest_feed_file(
    db: Database, path: Path, report: IngestReport, name: str | None = None
) -> None:
    """A feed saved as a file, read as the same feed over http would be (its entries,
    not a post): each digest new, updated or unchanged."""
    try:
        data = await asyncio.to_thread(path.read_bytes)
        digests, _ = await asyncio.to_thread(digests_from_feed, data, path.resolve().as_uri())
    except (OSError, SourceError) as error:
        report.failed.append((str(path), getattr(error, "reason", None) or str(error)))
        return
    for digest in digests:
        await store(db, digest, report, name)


def local_target(target: str) -> str:
    """A file:// URL as the path it names; anything else as it is."""
    if target.lower().startswith("file://"):
        return unquote(urlsplit(target).path) or "/"
    return target


async def ingest_feed(
    db: Database,
    client: httpx.AsyncClient,
    url: str,
    report: IngestReport,
    name: str | None = None,
) -> None:
    state = await load_source_state(db, url)
    try:
        result = await fetch_feed(client, url, state)
    except SourceError as error:
        report.failed.append((url, str(error)))
        state.failures += 1
        state.last_error = str(error)
        state.next_poll_ts = int(time.time() + min(FIRST_BACKOFF * 2**state.failures, MAX_BACKOFF))
        await save_source_state(db, state)
        # INFO: the poller says it at WARNING once per change (bot/sources/poller.py).
        log.info("feed failed (%d in a row): %s", state.failures, error, extra={"source": url})
        return
    if not result.digests:  # not modified, or nothing new in it: counted, not silent
        report.unchanged.append(url)
    host = urlsplit(url).hostname
    for digest in result.digests:
        if host and host not in report.renamed:  # a feed's source was named by its host
            report.renamed.add(host)
            await rename(db, host, name or digest.source)
        await store(db, digest, report, name)
    state.etag, state.last_modified = result.etag, result.last_modified
    state.seen_ids = result.seen_ids
    state.failures, state.last_error, state.next_poll_ts = 0, None, 0
    await save_source_state(db, state)


async def ingest_targets(
    db: Database,
    targets: list[str],
    client: httpx.AsyncClient,
    on_file: Callable[[int, int], None] | None = None,
    stamps: FileStamps | None = None,
    merge_budget: float = 1.0,
    name: str | None = None,
    smallest_first: bool = False,
    default_tz: str = "",
) -> IngestReport:
    """Ingest files, folders (recursing) and feed URLs; one bad post never stops the batch.
    `name`: the name DIGEST_SOURCES gives the source (else each digest's own).
    `smallest_first` (the poller): a normal post is not held up behind a huge one."""
    report = IngestReport()
    files: list[Path] = []
    for target in map(local_target, targets):
        if is_url(target):
            await ingest_feed(db, client, target, report, name)
        elif not Path(target).exists():
            report.failed.append((target, NO_SUCH))
        else:
            files += post_files(Path(target))
    if smallest_first:
        files.sort(key=_size)
    for done, path in enumerate(files, 1):
        await ingest_file(db, path, report, stamps, name, default_tz)
        if on_file:
            on_file(done, len(files))
    if report.new or report.updated:
        await tidy_search_index(db, merge_budget)
    return report


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # gone: ingest_file reports it


async def tidy_search_index(db: Database, budget: float) -> None:
    """Merge the search index's segments for up to `budget` seconds: every ingest
    transaction adds a segment, and a look-up seeks in each (storage/search.py)."""
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline and await merge_search_index(db):
        pass
