"""An item as storage reads it back: the one place a row of `items` becomes an Item."""

from __future__ import annotations

import json

import aiosqlite

from bot.digest.models import Item, Link


def item_from_row(row: aiosqlite.Row) -> Item:
    """An item from a row of items; its topics when the row has a `topics` column
    (comma-separated keys, as group_concat gives them)."""
    topics = row["topics"] if "topics" in row.keys() else None  # noqa: SIM118 (a Row)
    return Item(
        position=row["position"],
        title=row["title"],
        author=row["author"],
        url=row["url"],
        summary=row["summary"],
        links=tuple(Link(**link) for link in json.loads(row["links"])),
        topics=tuple(sorted(topics.split(","))) if topics else (),
    )
