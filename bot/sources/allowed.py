"""What an admin's /ingest may read: the configured sources' folders, and http(s) URLs
of public addresses (every redirect hop checked too). INGEST_ALLOW_PRIVATE lifts both
limits for a bot whose feeds live on a private network.

Without these, /ingest read any readable path (`/ingest /usr` stored 31 changelogs and
broadcast them) and any URL, loopback included; its errors told whether a port was open.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from pathlib import Path
from urllib.parse import urlsplit

import httpx


class NotAllowed(Exception):
    """The target is outside what /ingest may read."""


def is_url(target: str) -> bool:
    return target.startswith(("http://", "https://"))


def check_path(target: str, sources: list[str]) -> Path:
    """The resolved path, if it lies inside one of the configured source folders."""
    path = Path(target).resolve()
    for source in sources:
        if is_url(source):
            continue
        folder = Path(source).resolve()
        if path == folder or folder in path.parents:
            return path
    raise NotAllowed(target)


async def check_public_url(url: str) -> None:
    """NotAllowed unless `url` is http(s) and its host resolves only to public addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NotAllowed(url)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
            type=socket.SOCK_STREAM,
        )  # fmt: skip
    except OSError:
        raise NotAllowed(url) from None
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0])
        if not address.is_global:
            raise NotAllowed(url)


async def _check_request(request: httpx.Request) -> None:
    await check_public_url(str(request.url))


def public_only_client(timeout: httpx.Timeout | float) -> httpx.AsyncClient:
    """An HTTP client that refuses any request (redirects too) to a non-public address."""
    return httpx.AsyncClient(
        timeout=timeout, follow_redirects=True, event_hooks={"request": [_check_request]}
    )
