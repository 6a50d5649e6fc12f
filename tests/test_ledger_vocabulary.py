"""One vocabulary for a delivery part's status: PartStatus (storage/deliveries.py) is
what the schema admits and every status the ledger's SQL names."""

from __future__ import annotations

import re
from pathlib import Path

import storage.deliveries
from storage.db import Database
from storage.deliveries import PartStatus

STATUS_LITERALS = re.compile(r"status\s*(?:=|IN)\s*\(?\s*('[a-z]+'(?:\s*,\s*'[a-z]+')*)", re.I)


def quoted(text: str) -> set[str]:
    return set(re.findall(r"'([a-z]+)'", text))


async def test_the_schema_admits_exactly_the_part_statuses(db: Database) -> None:
    async with db.execute("SELECT sql FROM sqlite_master WHERE name = 'deliveries'") as cursor:
        row = await cursor.fetchone()
    assert row is not None
    check = re.search(r"CHECK\s*\(\s*status IN \(([^)]*)\)", row[0])
    assert check is not None, row[0]
    assert quoted(check.group(1)) == {status.value for status in PartStatus}


def test_the_ledgers_sql_names_only_part_statuses() -> None:
    source = Path(storage.deliveries.__file__).read_text(encoding="utf-8")
    named = set().union(*(quoted(m.group(1)) for m in STATUS_LITERALS.finditer(source)))
    assert named, "the pattern found no status in the ledger's SQL"
    assert named <= {status.value for status in PartStatus}, named
