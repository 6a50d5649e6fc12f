"""Posts (Markdown files, feed entries) into Digests. No Telegram imports.

Public API: ParseError, parse_text, parse_file, digest_from_html, MAX_POST_BYTES, and
their `*_result` forms returning a ParseResult (the digest, how many items past
MAX_ITEMS were dropped, and the heading each item sits under).
How items are found is in bot/digest/items.py; dates in bot/digest/dates.py; the size
limits every returned Digest keeps (titles, summaries, links, items) in
bot/digest/limits.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path

import yaml

from bot.digest import dates
from bot.digest.blocks import Heading, Para, Quote, parse_blocks, plain, sections
from bot.digest.explain import Explanation, explain
from bot.digest.html import html_to_markdown
from bot.digest.items import Reading, Story, read_stories
from bot.digest.limits import (
    MAX_FRONT_MATTER_CHARS,
    MAX_ITEM_TITLE_CHARS,
    MAX_ITEMS,
    MAX_POST_BYTES,
    clip,
    clip_digest,
    storable,
)
from bot.digest.models import Digest, Link

__all__ = [
    "MAX_ITEMS",
    "MAX_POST_BYTES",
    "ParseError",
    "ParseResult",
    "digest_from_html",
    "digest_from_html_result",
    "parse_file",
    "parse_file_result",
    "parse_text",
    "parse_text_result",
]

# Bytes that do not occur in text (C0 controls other than tab, newlines, form feed,
# escape): a file whose first 8 KB are more than a tenth these is not a post.
_CONTROL_BYTES = bytes([*range(0, 9), 11, *range(14, 27), *range(28, 32)])
_BINARY_SHARE = 0.1
# Where a post names its zone (a generated-at line, a timestamp): near the top.
_ZONE_SEARCH_CHARS = 4000
# libyaml's scanner when PyYAML has it (a third of the time); the same
# SafeConstructor builds the values either way.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ParseError(Exception):
    """A post the bot cannot read; `name` is the file or feed entry, `reason` says why."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.name}: {self.reason}"

    def __reduce__(self) -> tuple:
        return (ParseError, (self.name, self.reason))  # survives a process pool


@dataclass(frozen=True)
class ParseResult:
    """A parsed post with what the Digest cannot say (models.Digest is shared, so
    these ride beside it): `dropped_items` is how many items past MAX_ITEMS were left
    out (the caller may log it); `sections[i]` is the heading `digest.items[i]` sits
    under (None at the top), e.g. an AINews Discord channel."""

    digest: Digest
    dropped_items: int = 0
    sections: tuple[str | None, ...] = ()
    explanation: Explanation | None = None  # how the items were found (parse --explain)


def parse_file(path: Path) -> Digest:
    """One post file. id = "<folder>/<stem>", source = "<folder>", so a file gives the
    same id whichever path reached it."""
    return parse_file_result(path).digest


def parse_file_result(path: Path, default_zone: tzinfo | None = None) -> ParseResult:
    """parse_file with what it found beside the digest; `default_zone` as in
    parse_text_result."""
    path = Path(path)
    name = path.name
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_POST_BYTES + 1)
            size = path.stat().st_size
    except OSError as error:
        raise ParseError(name, f"cannot read: {error.strerror or error}") from error
    if len(data) > MAX_POST_BYTES:
        megabytes = max(size, len(data)) / (1024 * 1024)
        limit = MAX_POST_BYTES // (1024 * 1024)
        raise ParseError(name, f"file is {megabytes:.1f} MB, over the {limit} MB limit")
    text = decode(data, name=name)
    source = path.parent.name or "local"
    return parse_text_result(text, name=name, source=source, default_zone=default_zone)


def decode(data: bytes, *, name: str) -> str:
    """Text from a post's bytes: UTF-8 (BOM dropped), bytes that are not UTF-8 as
    U+FFFD; UTF-16 when it says so with a BOM. Binary data (an image saved as .md:
    many control bytes) is a ParseError; a stray NUL in text is not (parse_text drops it)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    sample = data[:8192]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if sample and controls > _BINARY_SHARE * len(sample):
        raise ParseError(name, "binary file (control bytes, NULs), not a text post")
    return data.decode("utf-8-sig", errors="replace")


def parse_text(
    text: str, *, name: str, source: str, default_time: datetime | None = None
) -> Digest:
    """One post's Markdown. `name` (file or entry name) gives the id's slug, the
    fallback date and the name in errors; `source` labels where it came from."""
    return parse_text_result(text, name=name, source=source, default_time=default_time).digest


def parse_text_result(
    text: str,
    *,
    name: str,
    source: str,
    default_time: datetime | None = None,
    default_zone: tzinfo | None = None,
) -> ParseResult:
    """`default_zone`: the zone of a date given without a time when the post names
    none (the source's earlier posts', or DEFAULT_TZ); UTC without it."""
    text = storable(text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n"))
    meta, body = _front_matter(text, name)
    blocks = parse_blocks(body)
    reading = read_stories(sections(blocks))
    stories = reading.stories

    title = _text_field(meta.get("title")) or _first_h1(blocks)
    raw_date = meta.get("date")
    front = dates.from_value(raw_date) if raw_date is not None else None
    if raw_date is not None and front is None:
        raise ParseError(name, f"front matter date is not a date: {_shown(raw_date)}")
    if front is not None:
        timed, day = (front, None) if _has_time(raw_date) else (None, front)
    else:
        timed = (
            _quoted_timestamp(blocks)
            or dates.timestamp_in(name)
            or dates.named_zone_stamp_in(body[:_ZONE_SEARCH_CHARS])
        )
        day = None if timed else _day_of(name, title, blocks)
    if day is not None:
        # a day without a time: the start of that day in the source's own zone
        zone = dates.zone_in(body[:_ZONE_SEARCH_CHARS]) or default_zone
        day = dates.on_day_in(day, zone) if zone is not None else day
    published = timed or day
    if not stories and not title and not published:
        if not body.strip():
            raise ParseError(name, "empty post")
        raise ParseError(name, "nothing recognisable: no items, no title, no date")
    published = published or default_time
    if published is None:
        raise ParseError(name, "no date: none in front matter, title or file name")
    if published.tzinfo is None:
        raise ParseError(name, "default_time must be timezone-aware")
    try:
        published.astimezone(UTC)  # 9999-12-31T23:00-05:00 is no instant Python can hold
    except OverflowError:
        raise ParseError(name, f"date out of range: {published.isoformat()}") from None
    slug = Path(name).stem if name.endswith((".md", ".markdown")) else name
    digest = Digest(
        id=f"{source}/{slug}",
        source=source,
        title=title or slug,
        published_at=published,
        categories=_categories(meta.get("categories")),
        items=tuple(story.item for story in stories),
    )
    return _finish(digest, reading, body)


def digest_from_html(
    html: str,
    *,
    id: str,
    source: str,
    title: str,
    published_at: datetime,
    categories: Iterable[str] = (),
    link: str | None = None,
) -> Digest:
    """A feed entry whose HTML content is a list of stories, as one Digest."""
    return digest_from_html_result(
        html,
        id=id,
        source=source,
        title=title,
        published_at=published_at,
        categories=categories,
        link=link,
    ).digest


def digest_from_html_result(
    html: str,
    *,
    id: str,
    source: str,
    title: str,
    published_at: datetime,
    categories: Iterable[str] = (),
    link: str | None = None,
) -> ParseResult:
    """`link`: the entry's own page, where headlines listed without links of their own
    point (see items.find_stories)."""
    markdown = html_to_markdown(storable(html))
    fallback = Link(title, link) if link and link.startswith(("http://", "https://")) else None
    reading = read_stories(sections(parse_blocks(markdown)), fallback)
    stories = reading.stories
    digest = Digest(
        id=id,
        source=source,
        title=title,
        published_at=published_at,
        categories=tuple(str(c) for c in categories if str(c).strip()),
        items=tuple(story.item for story in stories),
    )
    return _finish(digest, reading, markdown)


def _finish(digest: Digest, reading: Reading, text: str) -> ParseResult:
    clipped, dropped = clip_digest(digest, MAX_ITEMS)
    stories: list[Story] = reading.stories
    names = tuple(
        clip(story.section, MAX_ITEM_TITLE_CHARS) if story.section else None
        for story in stories[: len(clipped.items)]
    )
    return ParseResult(clipped, dropped, names, explain(reading, text))


def _shown(value: object, limit: int = 80) -> str:
    """A value for an error message, however big the post made it."""
    text = repr(value) if isinstance(value, str | int | float | date) else type(value).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _front_matter(text: str, name: str) -> tuple[dict, str]:
    """YAML between a first line `---` and the next `---` (or `...`) line."""
    if not text.startswith("---\n"):
        return {}, text
    lines = text.split("\n")
    for index in range(1, len(lines)):
        line = lines[index]
        if line.rstrip() in ("---", "..."):
            raw, body = "\n".join(lines[1:index]), "\n".join(lines[index + 1 :])
            break
        if line.startswith("---") and line[3:4] not in ("-", " ", "\t"):
            # `---### Top News`: the closing line glued to the body's first line (a
            # skynet-today post); a reader sees the heading, so the body starts there.
            raw, body = "\n".join(lines[1:index]), "\n".join([line[3:], *lines[index + 1 :]])
            break
    else:
        raise ParseError(name, "front matter is not closed (no second '---' line)")
    if len(raw) > MAX_FRONT_MATTER_CHARS:  # before YAML: a 5 MB list took 0.9 GB
        limit = MAX_FRONT_MATTER_CHARS // 1024
        raise ParseError(name, f"front matter is over {limit} KB (a post's is under 1 KB)")
    meta = _load_yaml(raw, name) if raw.strip() else {}
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise ParseError(name, "broken front matter: not a mapping of keys to values")
    return meta, body


def _load_yaml(raw: str, name: str) -> object:
    """Front matter YAML through libyaml; on an error through the pure-Python loader
    again, whose messages and line numbers the ParseError has always quoted.
    Aliases are refused: a few hundred bytes of nested `*a` expand to gigabytes."""
    _refuse_aliases(raw, name)
    try:
        return yaml.load(raw, Loader=_YAML_LOADER)
    except yaml.YAMLError as fast_error:
        if "nesting depth" in str(fast_error):
            raise _broken(name, fast_error) from fast_error  # the Python loader would recurse
        try:
            yaml.safe_load(raw)
        except yaml.YAMLError as error:
            raise _broken(name, error) from error
        except (RecursionError, ValueError, OverflowError):
            pass  # the pure-Python loader fails otherwise (deep nesting): libyaml's words
        raise _broken(name, fast_error) from fast_error
    except RecursionError as error:
        raise ParseError(name, "broken front matter: nested too deeply") from error
    except (ValueError, OverflowError) as error:
        # Well-formed YAML with an impossible value: `date: 2025-13-45`, a 5,000-digit int.
        raise ParseError(name, f"broken front matter: {_shown(str(error))[1:-1]}") from error


def _refuse_aliases(raw: str, name: str) -> None:
    if "&" not in raw and "*" not in raw:
        return  # no anchor or alias can be there; skip the event scan
    try:
        for event in yaml.parse(raw, Loader=_YAML_LOADER):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise ParseError(
                    name, "front matter uses YAML anchors/aliases (&name, *name), not allowed"
                )
    except yaml.YAMLError:
        return  # broken YAML: the loader says where


def _broken(name: str, error: yaml.YAMLError) -> ParseError:
    mark = getattr(error, "problem_mark", None)
    where = f" at line {mark.line + 2}" if mark is not None else ""
    problem = getattr(error, "problem", None) or "invalid YAML"
    return ParseError(name, f"broken front matter{where}: {problem}")


def _scalar(value: object) -> bool:
    """A value worth showing as text; a list or mapping as a title is a mistake whose
    repr could be huge (that is what the alias bomb aimed at)."""
    return isinstance(value, str | int | float | date) and not isinstance(value, bool)


def _text_field(value: object) -> str | None:
    if not _scalar(value):
        return None
    text = str(value).strip()
    return text or None


def _categories(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if _scalar(value):
        value = [value]
    if not isinstance(value, list | tuple):
        return ()
    texts = (str(item).strip() for item in value if _scalar(item))
    return tuple(text for text in texts if text)


def _day_of(name: str, title: str | None, blocks: list) -> datetime | None:
    """A day the post is of, from its name, title or first headings; a weekly or
    monthly post's period end."""
    return (
        dates.day_in_name(name)
        or (dates.day_in(title) if title else None)
        or _heading_day(blocks)
        or dates.period_end_in(name)
        or (dates.period_end_in(title) if title else None)
    )


def _has_time(value: object) -> bool:
    """A front-matter date that came with a time (a datetime, or text with hh:mm)."""
    return isinstance(value, datetime) or (isinstance(value, str) and ":" in value)


def _first_h1(blocks: list) -> str | None:
    for block in blocks:
        if isinstance(block, Heading) and block.level == 1:
            return plain(block.inlines) or None
    return None


def _quoted_timestamp(blocks: list) -> datetime | None:
    """`> 2025-12-11T00:18:43Z` near the top (the briefing archive's as-of line)."""
    for block in blocks[:6]:
        if isinstance(block, Quote):
            for inner in block.blocks:
                if isinstance(inner, Para):
                    found = dates.timestamp_in(plain(inner.inlines))
                    if found:
                        return found
    return None


def _heading_day(blocks: list) -> datetime | None:
    """A day in one of the first headings (`## 爱窝啦 AI 日报 2025/12/20`)."""
    headings = [block for block in blocks if isinstance(block, Heading)][:3]
    for heading in headings:
        found = dates.day_in(plain(heading.inlines))
        if found:
            return found
    return None
