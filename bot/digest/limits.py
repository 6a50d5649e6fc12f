"""How big anything a post gives may be, and the clipping that keeps it there.

Every Digest the parsers return has passed through `clip_digest`: a hostile or
broken post (a 300 MB title from a YAML alias bomb, a 500 KB headline, 10,000
items) gives a digest of sane size that storage, search and the renderer can take
as it is. Text is also made storable here: NUL characters are dropped and lone
surrogates (from a feed's `&#xD800;` or a careless decoder) become U+FFFD, since
neither survives SQLite binding or UTF-8 encoding.
"""

from __future__ import annotations

import dataclasses
import re

from bot.digest.models import Digest, Item, Link

MAX_POST_BYTES = 5 * 1024 * 1024  # a post file; the largest real one is ~175 KB
MAX_FRONT_MATTER_CHARS = 64 * 1024  # a post's YAML front matter; real ones are under 1 KB
MAX_TITLE_CHARS = 300  # the digest's title
MAX_CATEGORIES = 20
MAX_CATEGORY_CHARS = 50
MAX_ITEMS = 500  # the largest real post (AINews, one item per story) has 375
MAX_ITEM_TITLE_CHARS = 300
MAX_AUTHOR_CHARS = 100
MAX_SUMMARY_CHARS = 4000  # one Telegram message is 4096
MAX_LINKS_PER_ITEM = 20
MAX_LINK_TEXT_CHARS = 300
MAX_URL_CHARS = 2048  # longer URLs are dropped, not cut: a cut URL leads nowhere
MAX_INLINE_DEPTH = 24  # nesting of inline markup kept (`*a *b *c ...` can go 100,000 deep)

ELLIPSIS = "…"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """Text without NUL characters and with each lone surrogate as U+FFFD."""
    if not _UNSTORABLE.search(text):
        return text
    return _UNSTORABLE.sub(lambda match: "" if match.group() == "\x00" else "\ufffd", text)


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary near the end when there is
    one, and marked with an ellipsis."""
    text = storable(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ", max(0, limit - 41))
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def clip_summary(text: str, limit: int = MAX_SUMMARY_CHARS) -> str:
    """A summary clipped like `clip`, preferring a paragraph or line end, and with
    no `**` left open by the cut (it would show as two stray asterisks)."""
    text = storable(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    end = max(cut.rfind("\n", limit // 2), cut.rfind(" ", max(0, limit - 41)))
    if end > limit // 2:
        cut = cut[:end]
    cut = cut.rstrip()
    if cut.count("**") % 2:
        head, _, tail = cut.rpartition("**")
        cut = (head + tail).rstrip()
    return cut + ELLIPSIS


def clip_url(url: str | None) -> str | None:
    if url is None or len(url) > MAX_URL_CHARS:
        return None
    return storable(url)


def clip_item(item: Item) -> Item:
    links: list[Link] = []
    for link in item.links:
        url = clip_url(link.url)
        if url is not None and len(links) < MAX_LINKS_PER_ITEM:
            links.append(Link(clip(link.text, MAX_LINK_TEXT_CHARS), url))
    url = clip_url(item.url)
    if url is None and item.url is not None and links:
        url = links[0].url  # the canonical link was too long: the next one stands in
    author = clip(item.author, MAX_AUTHOR_CHARS).strip() if item.author else None
    return Item(
        position=item.position,
        title=clip(item.title, MAX_ITEM_TITLE_CHARS).strip() or "(untitled)",
        author=author or None,
        url=url,
        summary=clip_summary(item.summary),
        links=tuple(links),
    )


def clip_categories(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    kept: list[str] = []
    for value in values:
        text = clip(value.strip(), MAX_CATEGORY_CHARS).strip()
        if text and text not in kept:
            kept.append(text)
        if len(kept) == MAX_CATEGORIES:
            break
    return tuple(kept)


def clip_digest(digest: Digest, max_items: int = MAX_ITEMS) -> tuple[Digest, int]:
    """The digest within every limit, and how many items past `max_items` were dropped
    (the first ones are kept: posts put their main stories first)."""
    dropped = max(0, len(digest.items) - max_items)
    items = tuple(clip_item(item) for item in digest.items[:max_items])
    clipped = dataclasses.replace(
        digest,
        title=clip(digest.title, MAX_TITLE_CHARS),
        categories=clip_categories(digest.categories),
        items=items,
    )
    return clipped, dropped
