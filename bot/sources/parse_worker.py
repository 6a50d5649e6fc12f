"""A big post parsed in a child process of its own, within a time and memory budget.

A hostile post can take a minute and a gigabyte to parse (a 4.9 MB post of `*a ` took
1.3 GB). A thread cannot be stopped and a pool's worker cannot be stopped for one task,
so each big post gets a fresh process (spawn: this process has threads), limited to
`memory` bytes of data (RLIMIT_DATA) and killed after `seconds` of parsing: the post is
refused with a ParseError that says which budget it broke, and the source moves on.
`kill_all` (at shutdown) kills a parse in flight.
"""

from __future__ import annotations

import multiprocessing
import resource
import threading
from datetime import tzinfo
from multiprocessing.connection import Connection
from pathlib import Path

from bot.digest.parse import ParseError, ParseResult, parse_file_result

PARSE_SECONDS = 10.0  # per post, after the child has started
PARSE_MEMORY = 256 * 1024 * 1024  # bytes of data a child may use
START_SECONDS = 60.0  # starting the child (imports) on a busy machine

_children: set[multiprocessing.process.BaseProcess] = set()
_lock = threading.Lock()


def _child(path: str, zone: tzinfo | None, memory: int, conn: Connection) -> None:
    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    conn.send(("ready", None))
    try:
        conn.send(("ok", parse_file_result(Path(path), zone)))
    except ParseError as error:
        conn.send(("refused", error.reason))
    except MemoryError:
        conn.send(("memory", None))


def parse_with_budget(
    path: Path,
    default_zone: tzinfo | None = None,
    *,
    seconds: float | None = None,
    memory: int | None = None,
) -> ParseResult:
    """parse_file_result(path) in a child process (blocking: run it in a thread); the budget is
    PARSE_SECONDS and PARSE_MEMORY unless given."""
    seconds = PARSE_SECONDS if seconds is None else seconds
    memory = PARSE_MEMORY if memory is None else memory
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(
        target=_child, args=(str(path), default_zone, memory, send), daemon=True
    )
    with _lock:
        process.start()
        _children.add(process)
    send.close()
    mb = memory // (1024 * 1024)
    try:
        if not receive.poll(START_SECONDS):
            raise ParseError(path.name, "refused: the parser process did not start")
        receive.recv()  # "ready": the budget starts now
        if not receive.poll(seconds):
            raise ParseError(path.name, f"refused: parsing it took over {seconds:g} s")
        kind, value = receive.recv()
    except EOFError:  # the child died: killed by kill_all, or out of memory in C code
        raise ParseError(path.name, f"refused: the parser died (over {mb} MB?)") from None
    finally:
        process.kill()
        process.join()
        with _lock:
            _children.discard(process)
        receive.close()
    if kind == "memory":
        raise ParseError(path.name, f"refused: parsing it needed over {mb} MB")
    if kind == "refused":
        raise ParseError(path.name, value)
    assert isinstance(value, ParseResult)
    return value


def kill_all() -> None:
    """Kill every parse in flight (at shutdown); their posts are read again next time."""
    with _lock:
        for process in _children:
            process.kill()
