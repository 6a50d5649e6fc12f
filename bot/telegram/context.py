"""What the handlers, jobs and admin commands share, kept in Application.bot_data."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import aiosqlite
import httpx

from bot.config import Settings

if TYPE_CHECKING:
    from bot.delivery.engine import DeliveryEngine


@dataclass
class Services:
    settings: Settings
    # Separate connections: aiosqlite runs one connection's statements in order, so a
    # transaction on a shared connection would swallow other tasks' statements.
    db: aiosqlite.Connection  # handlers: single statements
    ingest_db: aiosqlite.Connection  # source polling and /ingest: one transaction per post
    http: httpx.AsyncClient
    engine: DeliveryEngine | None = None
    ingest_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    file_stamps: dict = field(
        default_factory=dict
    )  # bot.sources.ingest.FileStamps of polled folders
    started_ts: float = field(default_factory=time.time)
