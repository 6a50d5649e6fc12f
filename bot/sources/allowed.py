"""What an admin's /ingest may read: the configured sources' folders, and http(s) URLs
of public addresses (every redirect hop checked too). INGEST_ALLOW_PRIVATE lifts both
limits for a bot whose feeds live on a private network.

The polling client (`feed_client`) reads the configured feeds wherever they are (the
operator chose them), but a redirect to another host gets the same address check, unless
INGEST_ALLOW_PRIVATE: a public feed cannot send the bot to a loopback or private address.

Without these, /ingest read any readable path (`/ingest /usr` stored 31 changelogs and
broadcast them) and any URL, loopback included; its errors told whether a port was open.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx


class NotAllowed(Exception):
    """The target is outside what /ingest may read."""


class Unresolvable(NotAllowed):
    """The host's name did not resolve (no such host, or no network): nothing to check,
    and nothing that says the address is not allowed."""

    def __init__(self, url: str, host: str) -> None:
        super().__init__(url)
        self.host = host


class RedirectNotAllowed(httpx.HTTPError):
    """A feed redirected to a host that is not public (an httpx error: the source fails
    like one that cannot be reached, and is retried with back-off)."""


def is_url(target: str) -> bool:
    return target.startswith(("http://", "https://"))


def check_path(target: str, sources: list[str]) -> Path:
    """The resolved path, if it lies inside one of the configured source folders."""
    try:
        path = Path(target).resolve()
    except (OSError, ValueError):  # a NUL byte, a loop of symlinks
        raise NotAllowed(target) from None
    for source in sources:
        if is_url(source):
            continue
        folder = Path(source).resolve()
        if path == folder or folder in path.parents:
            return path
    raise NotAllowed(target)


async def check_public_url(url: str) -> None:
    """NotAllowed unless `url` is http(s) and its host resolves only to public addresses;
    Unresolvable (a NotAllowed) when the name does not resolve at all."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NotAllowed(url)
    try:
        infos = await RESOLVER(
            parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
        )
    except socket.gaierror:  # no such host, or no network to ask
        raise Unresolvable(url, parts.hostname) from None
    except (OSError, ValueError, UnicodeError):  # a NUL byte, a bad name
        raise NotAllowed(url) from None
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0])
        if not address.is_global:
            raise NotAllowed(url)


async def _system_resolver(host: str, port: int) -> list[Any]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(infos)


# How names are resolved: the system's resolver (tests without a network swap it).
RESOLVER: Callable[[str, int], Awaitable[list[Any]]] = _system_resolver


async def _check_request(request: httpx.Request) -> None:
    await check_public_url(str(request.url))


def public_only_client(timeout: httpx.Timeout | float) -> httpx.AsyncClient:
    """An HTTP client that refuses any request (redirects too) to a non-public address."""
    return httpx.AsyncClient(
        timeout=timeout, follow_redirects=True, event_hooks={"request": [_check_request]}
    )


async def _check_redirect(response: httpx.Response) -> None:
    """A redirect to another host is followed only to a public address."""
    if not response.has_redirect_location:
        return
    here = response.request.url
    there = here.join(response.headers["location"])
    if (there.scheme, there.host, there.port) == (here.scheme, here.host, here.port):
        return
    try:
        await check_public_url(str(there))
    except Unresolvable:  # following it fails as a network error, which it is
        return
    except NotAllowed:
        raise RedirectNotAllowed(f"redirect to a non-public address refused: {there}") from None


def feed_client(timeout: httpx.Timeout | float, *, allow_private: bool) -> httpx.AsyncClient:
    """The client that polls the configured feeds: redirects to other hosts are checked
    as /ingest checks its URLs, unless `allow_private`."""
    hooks = {} if allow_private else {"response": [_check_redirect]}
    return httpx.AsyncClient(timeout=timeout, follow_redirects=True, event_hooks=hooks)
