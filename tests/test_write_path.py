"""The one write path (storage/db.py) on its failure paths: a COMMIT that fails (a
deferred constraint, a full disk), a transaction opened inside one, `digest-bot ingest`
on a full disk. Real SQLite files; the disk is made full for real (RLIMIT_FSIZE: a
write past the limit fails as it would on a full file system)."""

from __future__ import annotations

import asyncio
import resource
import signal
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from storage.db import Database, connect
from tests.test_operations import SAMPLES, assert_no_traceback, clean_env, digest_bot

HANG_GUARD = 30  # seconds: only so that a regression fails instead of hanging the run


async def count(db: Database, table: str) -> int:
    async with db.execute(f"SELECT count(*) FROM {table}") as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def add_subscriber(db: Database, chat_id: int) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO subscribers (chat_id, created_ts, updated_ts) VALUES (?, 0, 0)",
            (chat_id,),
        )


@contextmanager
def disk_full_past(size: int) -> Iterator[None]:
    """Writes past `size` bytes of any file fail (EFBIG, as a full disk fails them)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the error, not the signal
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


async def test_a_commit_failed_by_a_deferred_constraint_rolls_back_and_writes_go_on(db):
    await add_subscriber(db, 1)
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        async with db.transaction() as conn:
            await conn.execute("PRAGMA defer_foreign_keys = ON")  # checked at COMMIT
            await add_follow(conn, chat_id=404)  # no such subscriber
            await add_follow(conn, chat_id=1)
    await add_subscriber(db, 2)  # was: "cannot start a transaction within a transaction"
    assert await count(db, "subscribers") == 2
    assert await count(db, "follows") == 0  # the failed transaction left nothing


async def add_follow(conn, *, chat_id: int) -> None:
    await conn.execute("INSERT INTO follows (chat_id, topic) VALUES (?, 'chips')", (chat_id,))


async def test_a_commit_failed_by_a_full_disk_rolls_back_and_writes_go_on(db, tmp_path: Path):
    await add_subscriber(db, 1)
    wal = Path(f"{db.path}-wal")
    with disk_full_past(wal.stat().st_size), pytest.raises(sqlite3.OperationalError):
        async with db.transaction() as conn:
            # Enough rows that they reach the WAL file at COMMIT, not before.
            for chat_id in range(100, 400):
                await conn.execute(
                    "INSERT INTO subscribers (chat_id, created_ts, updated_ts) VALUES (?, 0, 0)",
                    (chat_id,),
                )
    await add_subscriber(db, 2)  # space is back: the next write goes through
    assert await count(db, "subscribers") == 2


async def test_a_task_started_inside_a_transaction_is_refused_at_once(db):
    async with db.transaction():
        child = asyncio.create_task(add_subscriber(db, 7))
        with pytest.raises(RuntimeError, match="inside a transaction"):
            await asyncio.wait_for(child, HANG_GUARD)
    assert await count(db, "subscribers") == 0


async def test_another_task_waits_for_the_transaction_and_then_writes(db):
    """The refusal is only for tasks started inside the transaction: a task that was
    running before it waits its turn, and a child that writes after it ends is fine."""
    inside = asyncio.Event()
    started_inside: asyncio.Task[None] | None = None

    async def other_writer() -> None:
        await inside.wait()
        await add_subscriber(db, 2)

    other = asyncio.create_task(other_writer())
    async with db.transaction() as conn:
        inside.set()
        await asyncio.sleep(0)  # the other task now waits on the write lock
        await conn.execute(
            "INSERT INTO subscribers (chat_id, created_ts, updated_ts) VALUES (1, 0, 0)"
        )
        ended = asyncio.Event()

        async def later_child() -> None:
            await ended.wait()
            await add_subscriber(db, 3)

        started_inside = asyncio.create_task(later_child())
    ended.set()
    await asyncio.wait_for(asyncio.gather(other, started_inside), HANG_GUARD)
    assert await count(db, "subscribers") == 3


def test_ingest_on_a_full_disk_says_so_in_one_line_and_loses_nothing(tmp_path: Path):
    async def create() -> int:
        db = await connect(tmp_path / "bot.db")
        await db.close()
        return (tmp_path / "bot.db").stat().st_size

    size = asyncio.run(create())

    def full_disk() -> None:  # in the child, before exec
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
        resource.setrlimit(resource.RLIMIT_FSIZE, (size // 4, hard))

    env = clean_env(tmp_path)
    full = subprocess.run(
        [*digest_bot(), "ingest", str(SAMPLES)],
        cwd=tmp_path,
        env=env,
        preexec_fn=full_disk,  # only sets a limit and ignores SIGXFSZ before exec
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert full.returncode == 1
    assert_no_traceback(full.stderr)
    lines = full.stderr.strip().splitlines()
    assert len(lines) == 1 and "bot.db" in lines[0], full.stderr
    assert "I/O error" in lines[0] or "full" in lines[0]

    again = subprocess.run(
        [*digest_bot(), "ingest", str(SAMPLES)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert again.returncode == 0, again.stderr

    async def stored() -> tuple[int, str]:
        db = await connect(tmp_path / "bot.db")
        try:
            async with db.execute("PRAGMA integrity_check") as cursor:
                row = await cursor.fetchone()
            return await count(db, "digests"), row[0] if row else ""
        finally:
            await db.close()

    digests, integrity = asyncio.run(stored())
    assert (digests, integrity) == (len(list(SAMPLES.glob("*.md"))), "ok")
