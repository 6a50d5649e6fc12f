"""The queue of updates waiting for getUpdates, and the long poll that hands them out."""

from __future__ import annotations

import asyncio
import contextlib

from bot.local_api.errors import ApiError

__all__ = ["UpdateQueue", "update_type"]


def update_type(update: dict) -> str:
    return next((key for key in update if key != "update_id"), "")


class UpdateQueue:
    """Updates not yet confirmed by a getUpdates offset, in update_id order."""

    def __init__(self) -> None:
        self.pending: list[dict] = []
        self.next_update_id = 1
        self.closing = False  # set at shutdown: held polls answer at once
        self._event = asyncio.Event()
        self._allowed: set[str] | None = None
        self._generation = 0

    def stamp(self, update: dict) -> dict:
        """The update with an update_id (the next one when it has none)."""
        update_id = update.get("update_id")
        if update_id is None:
            update = {"update_id": self.next_update_id, **update}
            update_id = self.next_update_id
        self.next_update_id = max(self.next_update_id, update_id + 1)
        return update

    def put(self, update: dict) -> None:
        self.pending.append(update)
        self.wake()

    def take_all(self) -> list[dict]:
        pending, self.pending = self.pending, []
        return pending

    def drop_all(self) -> None:
        self.pending.clear()

    def wake(self) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def get_updates(self, params: dict) -> list[dict]:
        """getUpdates: confirm up to `offset`, then hold the request until an update comes
        or `timeout` passes. A newer getUpdates ends an older one still held, as in Telegram."""
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            self._allowed = set(allowed) if allowed else None
        offset = params.get("offset")
        if isinstance(offset, int):
            self._confirm(offset)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = float(params.get("timeout") or 0)
        self._generation += 1
        generation = self._generation
        self.wake()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            ready = self._deliverable(limit)
            if ready or self.closing:
                return ready
            if generation != self._generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            event = self._event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            del self.pending[: max(len(self.pending) + offset, 0)]
        else:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]

    def _deliverable(self, limit: int) -> list[dict]:
        if self._allowed is not None:
            # Telegram drops updates of types the bot did not ask for.
            self.pending = [u for u in self.pending if update_type(u) in self._allowed]
        return self.pending[:limit]
