"""The shape of a digest, shared by the parsers, storage, renderer and delivery."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Link:
    text: str
    url: str


@dataclass(frozen=True)
class Item:
    position: int  # 1-based, in post order
    title: str
    author: str | None
    url: str | None  # the canonical link of the item, None when it has none
    summary: str  # Markdown, `**bold**` kept
    links: tuple[Link, ...] = ()  # every link of the item, the canonical one first
    # Built-in topic keys the item is about: decided once when stored (storage reads them
    # back); empty on a freshly parsed item. Not part of the post, so not in its JSON.
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Digest:
    id: str  # stable per post: source + slug (or feed guid), not a hash of content
    source: str
    title: str
    published_at: datetime  # always timezone-aware
    categories: tuple[str, ...] = ()
    items: tuple[Item, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.published_at.tzinfo is None:
            raise ValueError(f"published_at must be timezone-aware: {self.published_at!r}")

    def to_json_dict(self) -> dict:
        """The `digest-bot parse --json` contract (see DESIGN.md)."""
        return {
            "title": self.title,
            "published_at": self.published_at.isoformat(),
            "categories": list(self.categories),
            "items": [
                {
                    "title": item.title,
                    "author": item.author,
                    "url": item.url,
                    "summary": item.summary,
                    "links": [asdict(link) for link in item.links],
                }
                for item in self.items
            ],
        }

    @property
    def content_hash(self) -> str:
        """Changes when anything a reader sees changes; tells an edit from a re-ingest."""
        payload = json.dumps(self.to_json_dict(), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()
