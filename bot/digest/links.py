"""One spelling per link: `normalize_url()` maps the many ways a post writes the same
link (http or https, `www.`, twitter.com or x.com, tracking parameters, fragments,
trailing slashes, escapes) to one string, so "the same story" can be found by
comparing strings. `url_spans()` finds web addresses in text (snippets drop them,
highlights skip them). Pure functions, no I/O.

The result is a key, not a link to show: it may differ from every URL the posts wrote
(`https://x.com/i/status/123` for a tweet of any user name). Change the rules and
every stored key made with the old ones is stale (storage/search.py keeps one per
item: a migration must recompute them).
"""

from __future__ import annotations

import re
from contextlib import suppress
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

# Query parameters that say who shared a link or how, never which page: on any host.
_TRACKING = frozenset(
    {
        "ref",
        "ref_src",
        "ref_url",
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "spm",
        "share_source",
        "share_medium",
        "sharesource",
        "from_source",
    }
)
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_")
# x.com's own share parameters (?s=20&t=...): on x.com only, elsewhere they may mean something.
_X_TRACKING = frozenset({"s", "t", "src", "cxt"})
_X_HOSTS = frozenset(
    {"x.com", "twitter.com", "mobile.twitter.com", "m.twitter.com", "mobile.x.com"}
)
_X_STATUS = re.compile(r"^/(?:i/web|i|[A-Za-z0-9_]{1,50})/status(?:es)?/(\d+)(?:/.*)?$")
_YOUTUBE_HOSTS = frozenset({"youtube.com", "m.youtube.com", "music.youtube.com"})
_YOUTU_BE = re.compile(r"^/([A-Za-z0-9_-]{6,})$")
_ARXIV = re.compile(
    r"^/(?:abs|pdf|html)/(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?(?:\.pdf)?$"
)
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters a path or query keeps as they are; everything else is %-escaped (UTF-8).
_SAFE = "/:@!$&'()*+,;=%-._~"
# Web addresses in text, with a scheme or as host/path (x.com/..., api.example.io/v1).
URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'`，。、；：！？（）【】「」《》]+"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/[^\s<>\"'`，。、；：！？（）【】「」《》]*",
    re.IGNORECASE,
)
_MAYBE_URL = re.compile(r"://|www\.|[a-z0-9-]\.[a-z]{2,}/", re.IGNORECASE)
_TRAILING = frozenset(".,;:!?'\"]")
_BARE_HOST = re.compile(r"^(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?:[:/?#]|$)", re.I)


def normalize_url(url: str | None) -> str:
    """The key of `url`: "https://" + host without `www.` + path + sorted query, no
    fragment; x.com for twitter.com; tracking parameters dropped; "" for nothing.
    Anything that is not an http(s) link comes back trimmed (lowercase scheme), so a
    key never fails: `normalize_url("not a url") == "not a url"`."""
    text = (url or "").strip()
    if not text:
        return ""
    if "://" not in text and _BARE_HOST.match(text):
        text = "https://" + text  # "x.com/a/status/1", "www.example.com/page"
    try:
        parts = urlsplit(text)
        port = parts.port  # raises ValueError on a bad port
    except ValueError:
        return text
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return (scheme + text[len(scheme) :]) if scheme else text
    host = parts.hostname.rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    if not host.isascii():
        with suppress(UnicodeError):  # not a valid international name: kept as written
            host = host.encode("idna").decode("ascii")
    if host in _X_HOSTS:
        host = "x.com"
    elif host in _YOUTUBE_HOSTS:
        host = "youtube.com"
    path = _canonical_path(parts.path)
    query = _canonical_query(parts.query, host)
    host, path, query = _site_rules(host, path, query)
    netloc = host if port is None or str(port) == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    if path == "/":
        path = ""
    return f"https://{netloc}{path}" + (f"?{query}" if query else "")


def _canonical_path(path: str) -> str:
    path = _escape(path)
    path = re.sub(r"/{2,}", "/", path)
    return path.rstrip("/")


def _canonical_query(query: str, host: str) -> str:
    if not query:
        return ""
    kept = []
    for name, value in parse_qsl(query, keep_blank_values=True):
        lowered = name.lower()
        if lowered in _TRACKING or lowered.startswith(_TRACKING_PREFIXES):
            continue
        if host == "x.com" and lowered in _X_TRACKING:
            continue
        kept.append((name, value))
    kept.sort()
    return urlencode(kept, quote_via=quote, safe="/:@!$'()*,;-._~")


def _site_rules(host: str, path: str, query: str) -> tuple[str, str, str]:
    """One spelling for sites that have several for one page: (host, path, query)."""
    if host == "x.com":
        status = _X_STATUS.match(path)
        if status:  # the tweet's id names it; the user name in the path may be anyone's
            return host, f"/i/status/{status.group(1)}", ""
        return host, path.lower(), query  # user names are case-insensitive
    if host == "youtu.be":
        video = _YOUTU_BE.match(path)
        if video:
            return "youtube.com", "/watch", urlencode({"v": video.group(1)})
    if host == "youtube.com" and path == "/watch":
        video_id = dict(parse_qsl(query)).get("v")
        if video_id:  # share and time parameters (si, feature, t) do not change the video
            return host, path, urlencode({"v": video_id}, quote_via=quote)
    if host == "arxiv.org":
        paper = _ARXIV.match(path)
        if paper:  # abs, pdf and html of any version are one paper
            return host, f"/abs/{paper.group(1)}", ""
    return host, path, query


def _escape(text: str) -> str:
    """%-escapes in one form: unreserved characters decoded, other escapes in upper
    case, non-ASCII characters escaped as UTF-8."""
    text = quote(text, safe=_SAFE)
    return _ESCAPE.sub(_unescape_unreserved, text)


def _unescape_unreserved(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else "%" + match.group(1).upper()


def url_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each web address in `text`, without the sentence's punctuation
    after it (a closing bracket stays when the address opened one: wiki/A_(b))."""
    if not _MAYBE_URL.search(text):
        return []  # most texts: one quick scan instead of the full pattern's
    spans = []
    for match in URL.finditer(text):
        url = match.group()
        while url and (
            url[-1] in _TRAILING or (url[-1] == ")" and url.count("(") < url.count(")"))
        ):
            url = url[:-1]
        if url:
            spans.append((match.start(), match.start() + len(url)))
    return spans
