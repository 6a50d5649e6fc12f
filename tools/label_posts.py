"""Item labels for bench/parse_fidelity.py, from the posts' raw text, not from the parser.

    python tools/label_posts.py > tests/fixtures/parse_labels.tsv

Each source gets the reading a person gives its layout, written down as a rule on the
file's lines after reading its posts (see SOURCE_RULES below and SOURCES.md); the rule
never calls bot.digest, so the labels say what a reader counts, whatever the parser
does. Every rule was checked by eye against several posts of its source. Output: one
row per item, `path<TAB>item<TAB>fingerprint`, the fingerprint being the first 8 hex of
sha1 of the item's link, or `-` for an item without a link of its own (matched by count).
No post text is written.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import feedparser

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

LINK = re.compile(r"\[([^\]]*)\]\((https?://[^)\s]+)\)")
BARE = re.compile(r"https?://[^\s)\]>\"']+")


def fingerprint(url: str | None) -> str:
    return hashlib.sha1(url.encode()).hexdigest()[:8] if url else "-"


def body_lines(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").replace("\r\n", "\n").split("\n")
    if lines and lines[0] == "---":
        for index in range(1, len(lines)):
            if lines[index].startswith("---"):
                return [lines[index][3:], *lines[index + 1 :]]
    return lines


def first_link(line: str) -> str | None:
    """The first link of a line that is not an image (`![alt](src)`)."""
    for match in LINK.finditer(line):
        if line[max(0, match.start() - 1)] != "!" or match.start() == 0:
            return match.group(2)
    return None


def briefing(path: Path) -> Iterator[str | None]:
    """Every top-level bullet is a story; its link is `[消息来源](url)` (or the first)."""
    for line in body_lines(path):
        if line.startswith("- "):
            links = LINK.findall(line)
            source = [url for text, url in links if "来源" in text or "source" in text.lower()]
            yield (source or [url for _, url in links] or [None])[0]


def skynet(path: Path) -> Iterator[str | None]:
    """`#### [Title](url)` headings; lines opening with a link (`[T](u) - "quote"`,
    `* [T](u)`); 2018: a heading whose next line quotes `> Source, ["T"](u)`."""
    lines = body_lines(path)
    aside = False  # a story's "Related:" links, the podcast's Website | RSS | iTunes
    for index, line in enumerate(lines):
        stripped = line.strip()
        heading = re.match(r"#{2,4}\s+(.*)", stripped)
        if stripped.startswith(("Related:", "More on this")):
            aside = True
        if heading:
            aside = "podcast" in stripped.lower()
            text = heading.group(1).strip()
            if text.startswith("["):
                yield first_link(text)
            elif index + 1 < len(lines) and re.match(
                r">\s*[\w .&'’-]{0,40},\s*\[", lines[index + 1]
            ):
                yield first_link(lines[index + 1])
            continue
        if not aside and re.match(r"(?:[*-]\s+)?\[[^\]]+\]\(https?://", stripped):
            yield first_link(stripped)


def padmanabhan(path: Path) -> Iterator[str | None]:
    """Every `- **Headline**: summary ([Source](url))` line of every day."""
    for line in body_lines(path):
        if re.match(r"- \*\*.+?\*\*", line):
            links = LINK.findall(line)
            yield links[-1][1] if links else None


def tianyn(path: Path) -> Iterator[str | None]:
    """The stories are the linked bullets of 分类正文/重点推荐/逐条摘要, each story once
    (the post lists every story in several sections): distinct links of bullets that
    open with a link or carry a `证据：` link."""
    seen: list[str] = []
    for line in body_lines(path):
        match = re.match(r"\s*- (?:证据：)?\[[^\]]*\]\((https?://[^)\s]+)\)", line)
        if match and match.group(1) not in seen:
            seen.append(match.group(1))
    yield from seen


def makinotes(path: Path) -> Iterator[str | None]:
    """Daily: `### [Title](url) — score` headings. Weekly: the Top 10 list. Monthly:
    the Top 5 table's rows (no links)."""
    lines = body_lines(path)
    if path.parent.name == "monthly":
        section = ""
        for line in lines:
            section = line if line.startswith("## ") else section
            if "Top 5" in section and re.match(r"\|\s*\d+\s*\|", line):
                yield None
        return
    if path.parent.name == "weekly":
        section = ""
        for line in lines:
            section = line if line.startswith("## ") else section
            if "Top 10" in section and re.match(r"\d+\.\s", line):
                yield first_link(line)
        return
    for line in lines:
        if line.startswith("### ["):
            yield first_link(line)


def hextra(path: Path) -> Iterator[str | None]:
    """Numbered stories (`1. text`, `### 1. [T](u)`, `### **1. [T](u)**`), linked
    headings (`### [T](u)`), tagged paragraphs and bullets (`**[开源]** [T](u) - text`)
    and `*   **x**：... [来源链接](u)` bullets; tables, code, the ad/FAQ sections and
    trend predictions are not stories."""
    skip = False
    fence = False
    lines = body_lines(path)
    for index, line in enumerate(lines):
        if line.startswith("```"):
            fence = not fence
            continue
        if fence:
            continue
        if line.startswith("## "):
            skip = bool(
                re.search(
                    r"常见问题|相关问题|FAQ|全量索引|产品自荐|Spotlight|导航|Navigation|预测", line
                )
            )
        if skip or line.startswith("|"):
            continue
        number = re.match(r"(?:#{2,4}\s+)?(?:\*\*)?\d{1,2}\.\s+(.*)", line)
        if number:
            yield first_link(line) or _bare(line) or _link_below(lines, index)
        elif _TAGGED.match(line) or (_FIELD_BULLET.match(line) and "http" in line):
            yield first_link(line)


def _link_below(lines: list[str], index: int) -> str | None:
    """The first link (not an image) on the indented lines under a numbered item."""
    for line in lines[index + 1 :]:
        if line.strip() and not line.startswith((" ", "\t")):
            return None
        for match in LINK.finditer(line):
            if line[max(0, match.start() - 1)] != "!":
                return match.group(2)
    return None


_TAGGED = re.compile(r"(?:[*-]\s+)?\*\*[\[【][^\]】]{1,8}[\]】]\*\*\s*\[|#{2,4}\s+\[")
_FIELD_BULLET = re.compile(r"[*-]\s+\*\*[^*]+\*\*[：:]")


def _bare(line: str) -> str | None:
    """A bare URL in a line, not an image's source."""
    match = BARE.search(re.sub(r"!\[[^\]]*\]\([^)]*\)|<img[^>]*>", "", line))
    return match.group(0).rstrip(".,;:!?") if match else None


def peon(path: Path) -> Iterator[str | None]:
    """Story headings (`### Title` / `## Title` over prose with a link), the first link
    of each story's section; the section headings over them (`## 🔥 ...`) are not."""
    lines = body_lines(path)
    stories: list[list[str]] = []
    for line in lines:
        heading = re.match(r"(#{2,3})\s+(.*)", line)
        if heading:
            stories.append([line])
        elif stories:
            stories[-1].append(line)
    for story in stories:
        links = [url for line in story for url in [first_link(line) or _bare(line)] if url]
        if links:
            yield links[0]


def ainews(path: Path) -> Iterator[str | None]:
    """AINews: every top-level bullet of every recap and every server/channel section
    (`grep '^- '`) and every Reddit post (`  - **[Title](url)**`), a channel section
    with only a paragraph one story; a bullet without a link of its own is where it
    was said: its heading's link."""
    heading_link: str | None = None
    bullets = 0
    pending: str | None = None
    mentioned = False  # in a `**Links mentioned**:` list: the channel's links, not stories
    lines = body_lines(path)
    for index, line in enumerate(lines):
        if re.fullmatch(r"\*\*(?:Links mentioned|提到的链接)\*\*\s*[:：]?\s*", line.strip(), re.I):
            mentioned = True
            continue
        if line.startswith("#"):
            mentioned = False
            if pending is not None and bullets == 0:
                yield pending  # the previous channel had only a paragraph
            heading_link = first_link(line)
            pending = heading_link if "▷" in line else None
            bullets = 0
            continue
        if line.startswith("- ") and not mentioned:
            bullets += 1
            yield _first_in_bullet(lines, index) or heading_link
        elif re.match(r"\s+- \*\*\[[^\]]+\]\(https?://", line):
            yield first_link(line)  # a Reddit recap's post: `  - **[Title](url)**`
    if pending is not None and bullets == 0:
        yield pending


def _first_in_bullet(lines: list[str], index: int) -> str | None:
    """The first link of a top-level bullet, its sub-bullets and continuation lines."""
    for number, line in enumerate(lines[index:]):
        if number and line.strip() and not line.startswith((" ", "\t")):
            return None
        found = first_link(line) or _bare(line)
        if found:
            return found
    return None


def briefing_feed(path: Path) -> Iterator[str | None]:
    """CloudFlare AI-Insight-Daily: each entry's `<li>` headlines (no links of their own)."""
    parsed = feedparser.parse(path.read_bytes())
    for entry in parsed.entries:
        html = (entry.get("content") or [{}])[0].get("value", "") or entry.get("summary", "")
        for _ in re.findall(r"<li>", html):
            yield None


def single_story_feed(path: Path) -> Iterator[str | None]:
    """Company news feeds and The Batch: every entry is one story (the 30 newest: what
    a first poll takes)."""
    parsed = feedparser.parse(path.read_bytes())
    entries = sorted(
        parsed.entries,
        key=lambda e: tuple(e.get("published_parsed") or e.get("updated_parsed") or ()),
        reverse=True,
    )
    for entry in entries[:30]:
        yield entry.get("link")


SOURCE_RULES: dict[str, tuple[str, Callable[[Path], Iterator[str | None]]]] = {
    "ai-briefing-archive": ("digests/ai-briefing-archive", briefing),
    "skynet-today": ("digests/skynet-today", skynet),
    "padmanabhan-ai-news-log": ("digests/padmanabhan-ai-news-log", padmanabhan),
    "tianyn1990-ai-weekly": ("digests/tianyn1990-ai-weekly", tianyn),
    "makinotes-ai-daily-feed": ("digests/makinotes-ai-daily-feed", makinotes),
    "hextra-ai-insight-daily": ("digests/hextra-ai-insight-daily", hextra),
    "peon": ("digests/peon", peon),
    "smol-ai-ainews": ("digests/smol-ai-ainews", ainews),
    "ainews-zh-cn": ("digests/ainews-zh-cn", ainews),
    "cloudflare-ai-insight-daily": ("feeds/cloudflare-ai-insight-daily", briefing_feed),
    "olshansk-rss-feeds": ("feeds/olshansk-rss-feeds", single_story_feed),
}


def main(paths: list[str]) -> None:
    print("# Item labels for bench/parse_fidelity.py: made by tools/label_posts.py (a rule")
    print("# per source for how a reader counts its layout, checked by eye on its posts).")
    print("# path (relative to ../shared/data), item number, fingerprint (first 8 hex of")
    print("# sha1 of the item's link; - when it has none of its own). No post text here.")
    for relative in paths:
        source = next(
            name for name, (folder, _) in SOURCE_RULES.items() if relative.startswith(folder)
        )
        rule = SOURCE_RULES[source][1]
        for number, url in enumerate(rule(DATA / relative), start=1):
            print(f"{relative}\t{number}\t{fingerprint(url)}")
        if not any(True for _ in rule(DATA / relative)):
            print(f"{relative}\t0\t-")  # a post with no items


if __name__ == "__main__":
    main(sys.argv[1:] or [line.strip() for line in sys.stdin if line.strip()])
