"""Posts (Markdown files, feed entries) into Digests. No Telegram imports.

Public API: ParseError, parse_text, parse_file, digest_from_html, MAX_POST_BYTES.
How items are found is in bot/digest/items.py; dates in bot/digest/dates.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import yaml

from bot.digest import dates
from bot.digest.blocks import Heading, Para, Quote, parse_blocks, plain, sections
from bot.digest.html import html_to_markdown
from bot.digest.items import find_items
from bot.digest.models import Digest

MAX_POST_BYTES = 5 * 1024 * 1024
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


def parse_file(path: Path) -> Digest:
    """One post file. id = "<folder>/<stem>", source = "<folder>", so a file gives the
    same id whichever path reached it."""
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
    digest = parse_text(text, name=name, source=source)
    return digest


def decode(data: bytes, *, name: str) -> str:
    """UTF-8 text without BOM; binary (NUL bytes, not UTF-8) is a ParseError."""
    if b"\x00" in data:
        raise ParseError(name, "binary file (NUL bytes), not a text post")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ParseError(name, f"not UTF-8 text (bad byte at offset {error.start})") from error


def parse_text(
    text: str, *, name: str, source: str, default_time: datetime | None = None
) -> Digest:
    """One post's Markdown. `name` (file or entry name) gives the id's slug, the
    fallback date and the name in errors; `source` labels where it came from."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    meta, body = _front_matter(text, name)
    blocks = parse_blocks(body)
    tree = sections(blocks)
    items = find_items(tree)

    title = _text_field(meta.get("title")) or _first_h1(blocks)
    published = dates.from_value(meta.get("date")) if meta.get("date") is not None else None
    if meta.get("date") is not None and published is None:
        raise ParseError(name, f"front matter date is not a date: {meta.get('date')!r}")
    published = (
        published
        or _quoted_timestamp(blocks)
        or dates.timestamp_in(name)
        or dates.day_in_name(name)
        or (dates.day_in(title) if title else None)
        or _heading_day(blocks)
    )
    if not items and not title and not published:
        if not body.strip():
            raise ParseError(name, "empty post")
        raise ParseError(name, "nothing recognisable: no items, no title, no date")
    published = published or default_time
    if published is None:
        raise ParseError(name, "no date: none in front matter, title or file name")
    if published.tzinfo is None:
        raise ParseError(name, "default_time must be timezone-aware")
    slug = Path(name).stem if name.endswith((".md", ".markdown")) else name
    return Digest(
        id=f"{source}/{slug}",
        source=source,
        title=title or slug,
        published_at=published,
        categories=_categories(meta.get("categories")),
        items=tuple(items),
    )


def digest_from_html(
    html: str,
    *,
    id: str,
    source: str,
    title: str,
    published_at: datetime,
    categories: Iterable[str] = (),
) -> Digest:
    """A feed entry whose HTML content is a list of stories, as one Digest."""
    markdown = html_to_markdown(html)
    items = find_items(sections(parse_blocks(markdown)))
    return Digest(
        id=id,
        source=source,
        title=title,
        published_at=published_at,
        categories=tuple(str(c) for c in categories if str(c).strip()),
        items=tuple(items),
    )


def _front_matter(text: str, name: str) -> tuple[dict, str]:
    """YAML between a first line `---` and the next `---` (or `...`) line."""
    if not text.startswith("---\n"):
        return {}, text
    lines = text.split("\n")
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            raw, body = "\n".join(lines[1:index]), "\n".join(lines[index + 1 :])
            break
    else:
        raise ParseError(name, "front matter is not closed (no second '---' line)")
    try:
        meta = _load_yaml(raw) if raw.strip() else {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise ParseError(name, f"broken front matter{where}: {problem}") from error
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise ParseError(name, "broken front matter: not a mapping of keys to values")
    return meta, body


def _load_yaml(raw: str) -> object:
    """Front matter YAML through libyaml; on an error through the pure-Python loader
    again, whose messages and line numbers the ParseError has always quoted."""
    try:
        return yaml.load(raw, Loader=_YAML_LOADER)
    except yaml.YAMLError:
        return yaml.safe_load(raw)


def _text_field(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _categories(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        return ()
    return tuple(str(item).strip() for item in value if str(item).strip())


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
