"""Webhook mode: setWebhook / deleteWebhook / getWebhookInfo, and the task that POSTs each
update to the bot's URL (with its secret token), retrying a few times before giving up."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiohttp

from bot.local_api.errors import ApiError
from bot.local_api.updates import UpdateQueue

__all__ = ["WebhookDelivery"]


class WebhookDelivery:
    def __init__(self, updates: UpdateQueue) -> None:
        self.updates = updates
        self.config: dict | None = None  # the setWebhook parameters; None: getUpdates mode
        self.errors: list[str] = []
        self.attempts = 3  # posts per update before it is given up (recorded in `errors`)
        self._queue: asyncio.Queue[dict] | None = None
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    # -- Bot API methods

    async def set_webhook(self, params: dict) -> bool:
        if not params.get("url"):
            return await self.delete_webhook(params)
        if params.get("drop_pending_updates"):
            self.updates.drop_all()
        self.config = dict(params)
        for update in self.updates.take_all():
            self.enqueue(update)
        return True

    async def delete_webhook(self, params: dict) -> bool:
        self.config = None
        if params.get("drop_pending_updates"):
            self.updates.drop_all()
        return True

    async def get_webhook_info(self, params: dict) -> dict:
        info: dict[str, Any] = {
            "url": (self.config or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates.pending)
            + (self._queue.qsize() if self._queue else 0),
        }
        if self.config and self.config.get("allowed_updates"):
            info["allowed_updates"] = self.config["allowed_updates"]
        return info

    def check_polling_allowed(self) -> None:
        if self.config is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )

    # -- delivery

    def enqueue(self, update: dict) -> None:
        if self._queue is None:
            self._queue = asyncio.Queue()
        self._queue.put_nowait(update)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._deliver())

    async def flush(self, timeout: float) -> None:  # noqa: ASYNC109
        """Wait until every queued update was posted (or given up on)."""
        if self._queue is not None:
            await asyncio.wait_for(self._queue.join(), timeout)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _deliver(self) -> None:
        assert self._queue is not None
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        while True:
            update = await self._queue.get()
            try:
                await self._post(update)
            finally:
                self._queue.task_done()

    async def _post(self, update: dict) -> None:
        hook = self.config
        if hook is None:  # deleted meanwhile: back to getUpdates
            self.updates.put(update)
            return
        headers = {}
        if hook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook["secret_token"]
        error = ""
        for attempt in range(max(self.attempts, 1)):
            try:
                assert self._session is not None
                async with self._session.post(hook["url"], json=update, headers=headers) as resp:
                    if resp.status < 300:
                        return
                    error = f"HTTP {resp.status}"
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                error = repr(exc)
            if attempt + 1 < self.attempts:
                await asyncio.sleep(0.05 * 2**attempt)
        self.errors.append(f"update {update['update_id']} to {hook['url']}: {error}")
