"""The delivery ledger: every SQL statement the delivery engine runs.

A digest's life in `deliveries`: at ingest one row per active subscriber with
part = 0 ('planned'); the engine renders it (once per profile, cached in
`renders`) and replaces it by rows 1..n ('pending'), or marks it 'skipped'.
Pending parts go 'sending' when the engine takes them (`pick`: one statement), then
'sent', 'skipped' or 'failed' for good, or back to 'pending' with a later `not_before`
to retry (`settle`: the engine's group commit, one transaction).

Writes go through the database's one write path (storage/db.py), each function
one short transaction; batches travel as a JSON parameter through `json_each`.

Rows belong to a subscriber, (chat_id, thread_id): thread_id is the forum topic the parts
go to, 0 for the chat itself (storage/subscribers.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import aiosqlite

from storage.db import Database, Reader, one_row
from storage.subscribers import ChatStatus, set_status_in


class PartStatus(StrEnum):
    PLANNED = "planned"  # one row per chat at ingest (part 0), not rendered yet
    PENDING = "pending"  # rendered, waiting to be sent (maybe not before `not_before`)
    SENDING = "sending"  # taken by the engine; back to pending at start after a crash
    SENT = "sent"
    SKIPPED = "skipped"  # nothing to send, or the chat left
    FAILED = "failed"  # gave up, with the reason in last_error


UNFINISHED = (PartStatus.PLANNED, PartStatus.PENDING, PartStatus.SENDING)


@dataclass(frozen=True)
class Key:
    digest_id: str
    chat_id: int
    part: int
    thread_id: int = 0


@dataclass(frozen=True)
class Planned:
    digest_id: str
    chat_id: int
    thread_id: int = 0


@dataclass(frozen=True)
class Expansion:
    """What planning decided for one planned row: `parts` pending rows from
    `not_before` on, or (parts == 0) skipped for `skip_reason`."""

    digest_id: str
    chat_id: int
    profile: str | None
    parts: int
    not_before: float = 0
    skip_reason: str | None = None
    thread_id: int = 0


@dataclass(frozen=True)
class Part:
    """A part due for sending, with its text and the chat's current status."""

    digest_id: str
    chat_id: int
    part: int
    parts: int
    text: str
    previews: bool
    attempts: int
    chat_status: str
    thread_id: int = 0  # the forum topic to send to; 0 = none
    markup: str | None = None  # the "Show N more" button under the last part sent (JSON)

    @property
    def key(self) -> Key:
        return Key(self.digest_id, self.chat_id, self.part, self.thread_id)


@dataclass(frozen=True)
class Sent:
    key: Key
    message_id: int | None
    sent_ts: float


@dataclass(frozen=True)
class Retry:
    key: Key
    not_before: float
    error: str
    counts: bool  # counts toward giving up (network errors); a RetryAfter does not


@dataclass(frozen=True)
class Outcome:
    """A final outcome for a part: 'skipped' or 'failed', with the reason."""

    key: Key
    status: PartStatus
    reason: str


@dataclass(frozen=True)
class FanOut:
    """The latest digest's fan-out, for admins."""

    digest_id: str
    parts: int  # parts sent
    duration: float  # seconds from its first to its last sent part
    rate: float  # parts per second over that span


@dataclass(frozen=True)
class DeliveryStats:
    planned: int
    pending: int  # pending + sending
    failed: int
    skipped: int
    sent: int
    last_fanout: FanOut | None  # the latest digest (by publication) with sent parts
    latency_p50: float | None  # seconds from digests.ingested_ts to sent_ts, last fan-out
    latency_p95: float | None


def _row(key: Key, *values: object) -> list:
    """A key and up to three values as one row of _ROWS."""
    return [key.digest_id, key.chat_id, key.part, *values, *[None] * (3 - len(values)),
            key.thread_id]  # fmt: skip


def _keys_json(keys: Iterable[Key]) -> str:
    return json.dumps([_row(k) for k in keys])


# A JSON array of [digest_id, chat_id, part, x, y, z, thread_id] as rows
# v(d, c, p, x, y, z, t).
_ROWS = (
    "(SELECT value->>0 AS d, value->>1 AS c, value->>2 AS p,"
    " value->>3 AS x, value->>4 AS y, value->>5 AS z, value->>6 AS t FROM json_each(?)) AS v"
)
_MATCH = (
    "deliveries.digest_id = v.d AND deliveries.chat_id = v.c AND deliveries.thread_id = v.t"
    " AND deliveries.part = v.p"
)
# Next to _MATCH a status test is written `+deliveries.status`: with an index on status
# SQLite would walk every row in that status and scan the whole JSON array for each (at
# 30,000 planned rows, 0.6 s per batch with the write lock held) instead of one
# primary-key look-up per JSON row.


# --- planning -------------------------------------------------------------------------


async def _digests_with(db: Reader, status: str) -> list[str]:
    """Ids of the digests with rows in `status`, oldest published first.
    A recursive walk of the queue index: one seek per digest, however many rows."""
    sql = """
        WITH RECURSIVE ids(id) AS (
            SELECT min(digest_id) FROM deliveries WHERE status = :s
            UNION ALL
            SELECT (SELECT min(digest_id) FROM deliveries
                    WHERE status = :s AND digest_id > ids.id)
            FROM ids WHERE ids.id IS NOT NULL
        )
        SELECT g.id FROM ids JOIN digests g ON g.id = ids.id
        ORDER BY g.published_ts, g.id
    """
    async with db.execute(sql, {"s": status}) as cursor:
        return [row[0] for row in await cursor.fetchall()]


async def next_planned(db: Reader, limit: int = 500) -> list[Planned]:
    """Planned rows of the oldest digest that has any, at most `limit`."""
    for digest_id in await _digests_with(db, "planned"):
        sql = (
            "SELECT chat_id, thread_id FROM deliveries WHERE status = 'planned'"
            " AND digest_id = ? ORDER BY part, not_before LIMIT ?"
        )
        async with db.execute(sql, (digest_id, limit)) as cursor:
            rows = await cursor.fetchall()
        if rows:
            return [Planned(digest_id, row[0], row[1]) for row in rows]
    return []


async def load_render(db: Reader, digest_id: str, profile: str) -> list[str] | None:
    """The cached parts of a digest for a profile; [] = nothing to send; None = not rendered."""
    sql = "SELECT part, parts, text FROM renders WHERE digest_id = ? AND profile = ? ORDER BY part"
    async with db.execute(sql, (digest_id, profile)) as cursor:
        rows = await cursor.fetchall()
    if not rows:
        return None
    return [row[2] for row in rows if row[0] > 0]


async def render_size(db: Reader, digest_id: str, profile: str) -> tuple[int, int] | None:
    """(parts rendered, parts sent at once: up to the one with a button, else all) of a
    cached render; None when not rendered."""
    async with db.execute(
        "SELECT max(parts), min(CASE WHEN markup IS NOT NULL THEN part END) FROM renders"
        " WHERE digest_id = ? AND profile = ?",
        (digest_id, profile),
    ) as cursor:
        parts, capped = await one_row(cursor)
    if parts is None:
        return None
    return parts, capped or parts


async def store_render(
    db: Database,
    digest_id: str,
    profile: str,
    parts: Sequence[str],
    previews: bool,
    markups: Mapping[int, str] | None = None,
) -> None:
    """Cache rendered parts; nothing to send is stored as part 0 with parts = 0.
    `markups`: {part: reply_markup JSON} (the "Show N more" button of a capped push)."""
    markups = markups or {}
    async with db.transaction() as conn:
        rows = [[i, len(parts), text, markups.get(i)] for i, text in enumerate(parts, 1)]
        await conn.execute(
            "INSERT OR REPLACE INTO renders"
            " (digest_id, profile, part, parts, text, previews, markup)"
            " SELECT ?, ?, value->>0, value->>1, value->>2, ?, value->>3 FROM json_each(?)",
            (digest_id, profile, int(previews),
             json.dumps(rows or [[0, 0, "", None]], ensure_ascii=False)),
        )  # fmt: skip


async def expand(db: Database, plans: Sequence[Expansion], now: float) -> None:
    """Replace planned rows by their pending parts, or mark them skipped (one transaction)."""
    async with db.transaction() as conn:
        parts = [
            _row(Key(p.digest_id, p.chat_id, n, p.thread_id), p.profile, p.not_before)
            for p in plans
            if p.parts > 0
            for n in range(1, p.parts + 1)
        ]
        if parts:
            await conn.execute(
                "INSERT OR IGNORE INTO deliveries (digest_id, chat_id, thread_id, part, profile,"
                " status, not_before, created_ts)"
                f" SELECT v.d, v.c, v.t, v.p, v.x, 'pending', v.y, ? FROM {_ROWS}",
                (int(now), json.dumps(parts)),
            )
            done: dict[str, list[tuple[int, int]]] = {}
            for p in plans:
                if p.parts > 0:
                    done.setdefault(p.digest_id, []).append((p.chat_id, p.thread_id))
            for digest_id, keys in done.items():  # one primary-key look-up per planned row
                await conn.execute(
                    "DELETE FROM deliveries WHERE digest_id = ? AND (chat_id, thread_id) IN"
                    " (SELECT value->>0, value->>1 FROM json_each(?)) AND part = 0"
                    " AND +status = 'planned'",
                    (digest_id, json.dumps(keys)),
                )
        skipped = [
            _row(Key(p.digest_id, p.chat_id, 0, p.thread_id), p.skip_reason, p.profile)
            for p in plans
            if p.parts <= 0
        ]
        if skipped:
            await conn.execute(
                "UPDATE deliveries SET status = 'skipped', last_error = v.x, profile = v.y"
                f" FROM {_ROWS} WHERE {_MATCH} AND +deliveries.status = 'planned'",
                (json.dumps(skipped),),
            )


# --- sending --------------------------------------------------------------------------


@dataclass(frozen=True)
class Gone:
    """A chat that will get nothing more: its unfinished parts are skipped for `reason`;
    `block` also marks the subscriber blocked (it blocked us, or the chat is gone).
    `whole_chat` False: only the key's forum topic is gone (deleted), not the chat."""

    key: Key
    reason: str
    block: bool
    whole_chat: bool = True


async def pick(db: Database, now: float, limit: int = 500) -> list[Part]:
    """Take up to `limit` pending parts due at `now` for sending: the oldest digest first,
    parts in order, per chat strictly one after another (a chat's part is taken only when
    nothing of that chat comes before it unfinished: 'sending' holds back its next part).

    Choosing and marking 'sending' is ONE statement per digest, inside the write
    transaction: two processes on one database can never take the same part."""
    found: list[Part] = []
    for digest_id in await _digests_with(db, "pending"):
        if not await _any_due(db, digest_id, now):
            continue  # quiet hours, retries later: no write lock taken for nothing
        async with db.transaction() as conn:
            rows = await conn.execute_fetchall(_PICK, {"d": digest_id, "now": now,
                                                       "n": limit - len(found)})  # fmt: skip
            texts = await _render_parts(conn, digest_id, {r[2] for r in rows})
        rows = sorted(rows, key=lambda r: r[1])  # RETURNING gives no order: parts first
        for chat_id, part, profile, attempts, status, thread_id in rows:
            parts, text, previews, markup = texts.get((profile, part), _NO_RENDER)
            found.append(Part(digest_id, chat_id, part, parts, text, previews, attempts, status,
                              thread_id, markup))  # fmt: skip
        if len(found) >= limit:
            break
    return found


async def _any_due(db: Reader, digest_id: str, now: float) -> bool:
    sql = (
        "SELECT EXISTS (SELECT 1 FROM deliveries INDEXED BY deliveries_queue"
        " WHERE status = 'pending' AND digest_id = ? AND not_before <= ?)"
    )
    async with db.execute(sql, (digest_id, now)) as cursor:
        return bool((await one_row(cursor))[0])


# A part whose render is gone (never expected): sent empty, Telegram refuses it, the part
# is 'failed' with Telegram's reason.
_NO_RENDER: tuple[int, str, bool, str | None] = (0, "", False, None)


async def _render_parts(
    conn: aiosqlite.Connection, digest_id: str, profiles: set[str]
) -> dict[tuple[str, int], tuple[int, str, bool, str | None]]:
    """(parts, text, previews, markup) of the rendered parts of `profiles`, by (profile,
    part): read once per pick, not once per part (a pick of 1,000 parts has ~13 profiles)."""
    if not profiles:
        return {}
    sql = (
        "SELECT profile, part, parts, text, previews, markup FROM renders"
        " WHERE digest_id = ? AND profile IN (SELECT value FROM json_each(?))"
    )
    rows = await conn.execute_fetchall(sql, (digest_id, json.dumps(sorted(profiles))))
    return {(r[0], r[1]): (r[2], r[3], bool(r[4]), r[5]) for r in rows}


_PICK = """
    UPDATE deliveries SET status = 'sending'
    WHERE digest_id = :d AND status = 'pending' AND (chat_id, thread_id, part) IN (
        SELECT d.chat_id, d.thread_id, d.part
        FROM deliveries d INDEXED BY deliveries_queue
        JOIN digests g ON g.id = d.digest_id
        WHERE d.status = 'pending' AND d.digest_id = :d AND d.not_before <= :now
          AND NOT EXISTS (
              SELECT 1 FROM deliveries e JOIN digests h ON h.id = e.digest_id
              WHERE e.chat_id = d.chat_id AND e.thread_id = d.thread_id
                AND e.status IN ('planned', 'pending', 'sending')
                AND (h.published_ts, e.digest_id, e.part) < (g.published_ts, d.digest_id, d.part)
          )
        ORDER BY d.part
        LIMIT :n
    )
    RETURNING chat_id, part, profile, attempts,
        coalesce((SELECT s.status FROM subscribers s WHERE s.chat_id = deliveries.chat_id
                  AND s.thread_id = deliveries.thread_id), 'blocked'),
        thread_id
"""


async def settle(
    db: Database,
    *,
    sent: Sequence[Sent] = (),
    retries: Sequence[Retry] = (),
    finals: Sequence[Outcome] = (),
    gone: Sequence[Gone] = (),
) -> dict[int, int]:
    """Record what became of parts in hand, all in ONE transaction (the engine's group
    commit): sent; back to 'pending' not before a time (the error kept for admins);
    'skipped' or 'failed' for good; chats gone. Returns {chat_id: parts skipped} for `gone`.
    Only 'sent' overrides a part skipped meanwhile (it did reach the chat)."""
    skipped: dict[int, int] = {}
    async with db.transaction() as conn:
        if sent:
            rows = [_row(s.key, s.message_id, s.sent_ts) for s in sent]
            await conn.execute(
                "UPDATE deliveries SET status = 'sent', attempts = attempts + 1, last_error = NULL,"
                f" message_id = v.x, sent_ts = v.y FROM {_ROWS} WHERE {_MATCH}",
                (json.dumps(rows),),
            )
        if retries:
            rows = [_row(r.key, r.not_before, r.error, int(r.counts)) for r in retries]
            await conn.execute(
                "UPDATE deliveries SET status = 'pending', not_before = v.x, last_error = v.y,"
                f" attempts = attempts + v.z FROM {_ROWS} WHERE {_MATCH}"
                " AND +deliveries.status = 'sending'",
                (json.dumps(rows, ensure_ascii=False),),
            )
        if finals:
            rows = [_row(o.key, o.status, o.reason) for o in finals]
            await conn.execute(
                "UPDATE deliveries SET status = v.x, last_error = v.y"
                f" FROM {_ROWS} WHERE {_MATCH} AND +deliveries.status = 'sending'",
                (json.dumps(rows, ensure_ascii=False),),
            )
        for g in gone:
            thread_id = None if g.whole_chat else g.key.thread_id
            if g.block:
                await set_status_in(conn, g.key.chat_id, ChatStatus.BLOCKED, thread_id=thread_id)
            skipped[g.key.chat_id] = await _skip_chat_in(
                conn, g.key.chat_id, g.reason, thread_id=thread_id
            )
    return skipped


async def skip_chat(db: Database, chat_id: int, reason: str) -> int:
    """Skip every unfinished part of a chat (blocked us, or paused). Returns how many."""
    async with db.transaction() as conn:
        return await _skip_chat_in(conn, chat_id, reason)


async def _skip_chat_in(
    conn: aiosqlite.Connection, chat_id: int, reason: str, *, thread_id: int | None = None
) -> int:
    """Skip the unfinished parts of the chat (thread_id None) or of one of its topics."""
    cursor = await conn.execute(
        "UPDATE deliveries SET status = 'skipped', last_error = ?"
        " WHERE chat_id = ? AND (? IS NULL OR thread_id = ?)"
        " AND status IN ('planned', 'pending', 'sending')",
        (reason, chat_id, thread_id, thread_id),
    )
    return cursor.rowcount


async def reset_sending(db: Database) -> int:
    """Crash recovery at start-up: parts a dead process had in hand go back to pending.
    Those it had sent but not yet recorded go twice, the only duplicates allowed."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE deliveries SET status = 'pending' WHERE status = 'sending'"
        )
        return cursor.rowcount


async def release(db: Database, keys: Sequence[Key]) -> None:
    """Parts taken for sending but never tried (the engine stopped) go back to pending."""
    async with db.transaction() as conn:
        if keys:
            await conn.execute(
                f"UPDATE deliveries SET status = 'pending' FROM {_ROWS}"
                f" WHERE {_MATCH} AND +deliveries.status = 'sending'",
                (_keys_json(keys),),
            )


async def hasten(db: Database, error_prefix: str, now: float) -> int:
    """Pending parts whose last error starts with `error_prefix` (they wait for Telegram to
    answer again, engine.py) are due `now`. Returns how many."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE deliveries SET not_before = ? WHERE status = 'pending' AND not_before > ?"
            " AND substr(last_error, 1, ?) = ?",
            (now, now, len(error_prefix), error_prefix),
        )
        return cursor.rowcount


async def has_work(db: Reader, due_before: float) -> bool:
    """Are there planned rows, parts in hand, or pending parts due before `due_before`?"""
    async with db.execute(
        "SELECT EXISTS (SELECT 1 FROM deliveries WHERE status IN ('planned', 'sending'))"
        " OR EXISTS (SELECT 1 FROM deliveries WHERE status = 'pending' AND not_before < ?)",
        (due_before,),
    ) as cursor:
        return bool((await one_row(cursor))[0])


async def next_due(db: Reader, after: float) -> float | None:
    """The earliest not_before after `after` of a pending part (None: there is none)."""
    async with db.execute(
        "SELECT min(not_before) FROM deliveries WHERE status = 'pending' AND not_before > ?",
        (after,),
    ) as cursor:
        row = await one_row(cursor)
    return row[0]


async def prune(db: Database, before: float, limit: int) -> int:
    """Delete up to `limit` rows with a final outcome ('sent', 'skipped', 'failed') planned
    before `before` (one short transaction); how many were deleted. The rows of digests
    ingested before it are walked by primary key; those deleted are gone, so the next
    chunk finds the following ones without walking them again."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "DELETE FROM deliveries WHERE (digest_id, chat_id, thread_id, part) IN ("
            " SELECT d.digest_id, d.chat_id, d.thread_id, d.part"
            " FROM digests g JOIN deliveries d ON d.digest_id = g.id"
            " WHERE g.ingested_ts < :before AND d.created_ts < :before"
            " AND d.status IN ('sent', 'skipped', 'failed') LIMIT :n)",
            {"before": before, "n": limit},
        )
        return cursor.rowcount


# --- admins ---------------------------------------------------------------------------


async def delivery_stats(db: Reader) -> DeliveryStats:
    counts: dict[str, int] = {}
    async with db.execute("SELECT status, count(*) FROM deliveries GROUP BY status") as cursor:
        for status, count in await cursor.fetchall():
            counts[status] = count
    async with db.execute(
        "SELECT g.id FROM digests g WHERE g.kind = 'digest' AND EXISTS (SELECT 1 FROM deliveries d"
        " WHERE d.status = 'sent' AND d.digest_id = g.id) ORDER BY g.published_ts DESC LIMIT 1"
    ) as cursor:
        row = await cursor.fetchone()
    fanout = p50 = p95 = None
    if row is not None:
        digest_id = row[0]
        async with db.execute(
            "SELECT count(*), min(sent_ts), max(sent_ts) FROM deliveries"
            " WHERE digest_id = ? AND status = 'sent'",
            (digest_id,),
        ) as cursor:
            sent, first, last = await one_row(cursor)
        duration = float(last - first)
        fanout = FanOut(digest_id, sent, duration, sent / duration if duration > 0 else float(sent))
        p50 = await _latency_at(db, digest_id, sent, 0.50)
        p95 = await _latency_at(db, digest_id, sent, 0.95)
    return DeliveryStats(
        planned=counts.get("planned", 0),
        pending=counts.get("pending", 0) + counts.get("sending", 0),
        failed=counts.get("failed", 0),
        skipped=counts.get("skipped", 0),
        sent=counts.get("sent", 0),
        last_fanout=fanout,
        latency_p50=p50,
        latency_p95=p95,
    )


async def _latency_at(db: Reader, digest_id: str, sent: int, q: float) -> float:
    """The q-quantile of (sent_ts - ingested_ts) over a digest's sent parts."""
    offset = min(sent - 1, int(q * sent))
    async with db.execute(
        "SELECT d.sent_ts - g.ingested_ts FROM deliveries d JOIN digests g ON g.id = d.digest_id"
        " WHERE d.digest_id = ? AND d.status = 'sent' ORDER BY d.sent_ts LIMIT 1 OFFSET ?",
        (digest_id, offset),
    ) as cursor:
        row = await one_row(cursor)
    return float(row[0])
