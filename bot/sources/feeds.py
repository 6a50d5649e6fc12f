"""Where digests come from: folders of post files and RSS/Atom feeds.

A feed entry is one of two kinds, decided by `is_list_entry()`:
- a *list entry*: its content holds a list of stories (>= 3 list items with a link,
  LIST_ENTRY_MIN_LINKS), e.g. a daily digest published through a feed. It becomes
  ONE digest of its own, items from its HTML; id = "<feed host>/<entry guid or link>".
- a *single story* (a news article, a blog post): the entries not seen before are
  batched into ONE digest per poll, each entry an item (title, link, summary text,
  author); id = "<feed host>/batch-<hash of feed url + newest entry id>",
  published_at = the newest entry's time. The first poll of a feed batches at most
  the newest FIRST_POLL_LIMIT entries; the older ones are only marked seen.
`seen_ids` is the set of entry ids in the feed as last fetched, so it stays the
size of the feed.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, TypeAlias
from urllib.parse import urlsplit

import feedparser
import httpx

from bot.digest.blocks import blocks_md, parse_blocks
from bot.digest.html import html_to_markdown
from bot.digest.models import Digest, Item, Link
from bot.digest.parse import digest_from_html
from storage.sources import SourceState

# One of feedparser's entries: a dict with attribute access (it publishes no types).
FeedEntry: TypeAlias = Any

POST_SUFFIXES = (".md", ".markdown")
MAX_FEED_BYTES = 10 * 1024 * 1024
FIRST_POLL_LIMIT = 30
LIST_ENTRY_MIN_LINKS = 3
HEADLINE_LIST_MIN_ITEMS = 5
MAX_ITEM_SUMMARY = 800  # characters of a single story's feed summary kept
DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=10.0)  # each connect and each read
FETCH_DEADLINE = 60.0  # the whole fetch: a feed trickling a byte at a time ends here


class SourceError(Exception):
    """A feed that could not be fetched or read; says which URL and why."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{reason} from {url}")
        self.url = url
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.reason} from {self.url}"


@dataclass
class FeedResult:
    digests: list[Digest]
    etag: str | None
    last_modified: str | None
    seen_ids: frozenset[str]


# --- folders ------------------------------------------------------------------


def post_files(path: Path) -> list[Path]:
    """The post files under `path` (recursing; a single file is itself), sorted."""
    path = Path(path)
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.suffix.lower() in POST_SUFFIXES and p.is_file())


# --- feeds --------------------------------------------------------------------


async def fetch_feed(
    client: httpx.AsyncClient,
    url: str,
    state: SourceState,
    *,
    request_timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    deadline: float = FETCH_DEADLINE,
) -> FeedResult:
    """One conditional GET of a feed and its new digests. Raises SourceError on
    HTTP errors, timeouts (each read, and `deadline` for the whole fetch), bodies over
    MAX_FEED_BYTES and bytes that are no feed. The feed is parsed in a thread: a big
    one takes a second or more of CPU, which must not stall the event loop."""
    try:
        async with asyncio.timeout(deadline):
            body, etag, last_modified = await _download(client, url, state, request_timeout)
    except TimeoutError:
        raise SourceError(url, f"no complete answer within {deadline:g} s") from None
    if body is None:
        return FeedResult([], state.etag, state.last_modified, state.seen_ids)
    digests, seen = await asyncio.to_thread(digests_from_feed, body, url, state.seen_ids)
    return FeedResult(digests, etag, last_modified, seen)


async def _download(
    client: httpx.AsyncClient,
    url: str,
    state: SourceState,
    request_timeout: httpx.Timeout | float,
) -> tuple[bytes | None, str | None, str | None]:
    """(body, etag, last_modified); body None when the feed is not modified (304)."""
    headers = {}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    try:
        async with client.stream(
            "GET", url, headers=headers, follow_redirects=True, timeout=request_timeout
        ) as response:
            if response.status_code == 304:
                return None, state.etag, state.last_modified
            if response.status_code >= 400:
                raise SourceError(url, f"HTTP {response.status_code}")
            body = await _read_capped(response, url)
            etag = response.headers.get("etag")
            last_modified = response.headers.get("last-modified")
    except httpx.TimeoutException as error:
        raise SourceError(url, f"timed out ({type(error).__name__})") from error
    except httpx.HTTPError as error:
        raise SourceError(url, f"network error: {type(error).__name__}: {error}") from error
    return body, etag, last_modified


async def _read_capped(response: httpx.Response, url: str) -> bytes:
    limit_mb = MAX_FEED_BYTES // (1024 * 1024)
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FEED_BYTES:
        raise SourceError(
            url, f"feed is {int(declared) / 1048576:.1f} MB, over the {limit_mb} MB limit"
        )
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > MAX_FEED_BYTES:
            raise SourceError(url, f"feed is over the {limit_mb} MB limit")
    return bytes(body)


def digests_from_feed(
    data: bytes, url: str, seen_ids: frozenset[str] = frozenset()
) -> tuple[list[Digest], frozenset[str]]:
    """The new digests in a feed document and the ids now seen (see module doc)."""
    parsed = feedparser.parse(data)
    if not parsed.entries and not parsed.get("version"):
        reason = parsed.get("bozo_exception") or "no RSS or Atom elements"
        raise SourceError(url, f"not an RSS or Atom feed ({reason})")
    host = urlsplit(url).hostname or "feed"
    feed_title = (parsed.feed.get("title") or host).strip()
    digests: list[Digest] = []
    singles = []
    for entry in parsed.entries:
        entry_id = _entry_id(entry)
        if not is_list_entry(entry):
            singles.append(entry)
        elif entry_id not in seen_ids:
            digests.append(_list_digest(entry, entry_id, host, feed_title))
    fresh = [entry for entry in singles if _entry_id(entry) not in seen_ids]
    fresh.sort(key=_entry_time_or_min, reverse=True)
    if not seen_ids:
        fresh = fresh[:FIRST_POLL_LIMIT]
    if fresh:
        digests.append(_batch_digest(fresh, url, host, feed_title))
    return digests, frozenset(_entry_id(entry) for entry in parsed.entries)


def source_name(feed_title: str) -> str:
    """A feed's digests are of the source named by its title (its host when it has
    none), cut to a name one can type: one line, at most 60 characters."""
    return " ".join(feed_title.split())[:60] or "feed"


def is_list_entry(entry: FeedEntry) -> bool:
    """True when the entry's content is a list of stories: >= LIST_ENTRY_MIN_LINKS
    list items (<li>) holding a link, and those items hold at least half of the text
    (a long article or live blog with a short "see also" list is one story)."""
    counter = _LinkedListItems.measure(_entry_html(entry))
    linked, linked_chars, all_chars = counter[:3]
    if linked >= LIST_ENTRY_MIN_LINKS and linked_chars * 2 >= all_chars:
        return True
    # A list of the day's headlines without links of their own (CloudFlare
    # AI-Insight-Daily's summary mode): many short items, a third of the text or more.
    items, item_chars = counter[3:]
    return linked == 0 and items >= HEADLINE_LIST_MIN_ITEMS and item_chars * 3 >= all_chars


def _list_digest(entry: FeedEntry, entry_id: str, host: str, feed_title: str) -> Digest:
    return digest_from_html(
        _entry_html(entry),
        id=f"{host}/{entry_id}",
        source=source_name(feed_title),
        title=(entry.get("title") or feed_title).strip(),
        published_at=_entry_time(entry) or datetime.now(UTC),
        categories=[tag.get("term", "") for tag in entry.get("tags", [])],
        link=entry.get("link") or None,
    )


def _batch_digest(entries: list[FeedEntry], url: str, host: str, feed_title: str) -> Digest:
    newest = entries[0]
    key = hashlib.sha256(f"{url}\n{_entry_id(newest)}".encode()).hexdigest()[:16]
    items = []
    for position, entry in enumerate(entries, start=1):
        link = entry.get("link") or None
        title = (entry.get("title") or "").strip() or "(untitled)"
        summary = blocks_md(parse_blocks(html_to_markdown(entry.get("summary", ""))))
        if len(summary) > MAX_ITEM_SUMMARY:
            summary = summary[: MAX_ITEM_SUMMARY - 1].rstrip() + "…"
        author = (entry.get("author") or "").strip() or None
        links = (Link(title, link),) if link else ()
        items.append(Item(position, title, author, link, summary, links))
    return Digest(
        id=f"{host}/batch-{key}",
        source=source_name(feed_title),
        title=feed_title,
        published_at=_entry_time(newest) or datetime.now(UTC),
        categories=(),
        items=tuple(items),
    )


def _entry_id(entry: FeedEntry) -> str:
    found = entry.get("id") or entry.get("link")
    if found:
        return str(found)
    text = f"{entry.get('title', '')}\n{entry.get('summary', '')}"
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:16]


def _entry_html(entry: FeedEntry) -> str:
    contents = entry.get("content") or []
    if contents:
        return "\n".join(part.get("value", "") for part in contents)
    return entry.get("summary", "") or ""


def _entry_time(entry: FeedEntry) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    year, month, day, hour, minute, second = parsed[:6]
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)  # feedparser gives UTC


def _entry_time_or_min(entry: FeedEntry) -> datetime:
    return _entry_time(entry) or datetime.min.replace(tzinfo=UTC)


class _LinkedListItems(HTMLParser):
    """Counts <li> elements that hold an http(s) link, and the text inside them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open_items: list[list] = []  # [has a link, characters] per open <li>
        self.linked = 0
        self.linked_chars = 0
        self.all_chars = 0
        self.items = 0
        self.item_chars = 0

    @classmethod
    def measure(cls, html: str) -> tuple[int, int, int, int, int]:
        """(linked list items, characters in them, characters in all, top-level list
        items, characters in them)."""
        counter = cls()
        counter.feed(html)
        counter.close()
        while counter.open_items:
            counter.handle_endtag("li")
        return (
            counter.linked,
            counter.linked_chars,
            counter.all_chars,
            counter.items,
            counter.item_chars,
        )

    def handle_data(self, data: str) -> None:
        size = len(data.strip())
        self.all_chars += size
        if self.open_items:
            self.open_items[-1][1] += size

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "li":
            self.open_items.append([False, 0])
        elif tag == "a" and self.open_items:
            href = dict(attrs).get("href") or ""
            if href.startswith(("http://", "https://")):
                self.open_items[-1][0] = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "li" and self.open_items:
            has_link, chars = self.open_items.pop()
            if self.open_items:
                self.open_items[-1][1] += chars  # nested items count for the outer one
                self.open_items[-1][0] = self.open_items[-1][0] or has_link
            else:
                self.items += 1
                self.item_chars += chars
                if has_link:
                    self.linked += 1
                    self.linked_chars += chars
