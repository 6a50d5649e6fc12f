"""A summary's Markdown as styled spans: the one reading of `**bold**`, `*italic*`,
`[text](url)` and `![image](url)` that rendering (HTML) and search (the indexed text,
snippets) share. Pure; cached per summary.

Sentence ends are found here too: the brief format shows the first sentence, and a
cut never ends mid-sentence when it can help it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from bot.digest.markup import link, safe_url, text_html


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    bold: bool = False
    italic: bool = False
    url: str | None = None

    def cost(self) -> int:
        """Entities this segment needs."""
        return int(self.bold) + int(self.italic) + int(self.url is not None)

    def same_style(self, other: Span) -> bool:
        return (self.bold, self.italic, self.url) == (other.bold, other.italic, other.url)


# A code span is kept as it is (backticks too), so `**` inside it stays literal.
# `*italic*` needs no letter or * on either side, so "2*3*4" and "**" stay as they are.
_INLINE = re.compile(
    r"(?P<code>`[^`\n]+`)"
    r"|\*\*(?=\S)(?P<bold>.+?)(?<=\S)\*\*"
    r"|(?<![*\w])\*(?=[^\s*])(?P<italic>[^*\n]+?)(?<=[^\s*])\*(?![*\w])"
    r"|(?P<image>!)?\[(?P<text>[^\[\]\n]*)\]\((?P<url>[^()\s]+(?:\([^()\s]*\)[^()\s]*)*)\)"
)


def _parse_inline(src: str, style: Span, depth: int) -> list[Span]:
    """Segments of `src`, each styled like `style` plus its own Markdown."""
    segs: list[Span] = []
    pos = 0
    for match in _INLINE.finditer(src):
        if match.start() > pos:
            segs.append(replace(style, text=src[pos : match.start()]))
        pos = match.end()
        if match["code"] is not None:
            segs.append(replace(style, text=match["code"]))
            continue
        if match["image"]:  # ![alt](picture): a message of text shows no picture
            continue
        if match["bold"] is not None:
            inner, inner_style = match["bold"], replace(style, bold=True)
        elif match["italic"] is not None:
            inner, inner_style = match["italic"], replace(style, italic=True)
        else:
            inner = match["text"]
            inner_style = replace(style, url=style.url or safe_url(match["url"]))
        if depth < 2:
            segs.extend(_parse_inline(inner, inner_style, depth + 1))
        else:
            segs.append(replace(inner_style, text=inner))
    if pos < len(src):
        segs.append(replace(style, text=src[pos:]))
    return segs


def _merge(segs: Sequence[Span]) -> list[Span]:
    out: list[Span] = []
    for seg in segs:
        if not seg.text:
            continue
        if out and out[-1].same_style(seg):
            out[-1] = replace(seg, text=out[-1].text + seg.text)
        else:
            out.append(seg)
    return out


@lru_cache(maxsize=4096)
def summary_spans(summary: str) -> tuple[Span, ...]:
    """A Markdown summary as styled segments: `**bold**`, `*italic*` and `[text](url)`
    kept, paragraphs joined by single newlines (a blank line separates items)."""
    lines = [line.strip() for line in summary.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    text = "\n".join(line for line in lines if line)
    return tuple(_merge(_parse_inline(text, Span(""), 0)))


def spans_html(segs: Sequence[Span]) -> str:
    out = []
    for seg in segs:
        html = text_html(seg.text)
        if seg.italic:
            html = f"<i>{html}</i>"
        if seg.bold:
            html = f"<b>{html}</b>"
        if seg.url:
            html = link(seg.url, html)
        out.append(html)
    return "".join(out)


def plain_text(segs: Sequence[Span]) -> str:
    return "".join(seg.text for seg in segs)


def slice_spans(segs: Sequence[Span], end: int) -> list[Span]:
    """The segments covering plain-text offsets [0, end), trailing whitespace dropped."""
    out: list[Span] = []
    pos = 0
    for seg in segs:
        if pos >= end:
            break
        out.append(replace(seg, text=seg.text[: end - pos]))
        pos += len(seg.text)
    while out and not out[-1].text.rstrip():
        out.pop()
    if out:
        out[-1] = replace(out[-1], text=out[-1].text.rstrip())
    return out


def slice_spans_from(segs: Sequence[Span], start: int) -> list[Span]:
    """The segments covering plain-text offsets [start, end), leading whitespace dropped."""
    out: list[Span] = []
    pos = 0
    for seg in segs:
        end = pos + len(seg.text)
        if end > start:
            out.append(replace(seg, text=seg.text[max(0, start - pos) :]))
        pos = end
    while out and not out[0].text.lstrip():
        out.pop(0)
    if out:
        out[0] = replace(out[0], text=out[0].text.lstrip())
    return out


def limit_entities(segs: Sequence[Span], budget: int) -> list[Span]:
    """Styles kept on the first segments only, so at most `budget` entities remain."""
    out: list[Span] = []
    used = 0
    for seg in segs:
        if used + seg.cost() <= budget:
            used += seg.cost()
            out.append(seg)
        else:
            out.append(Span(seg.text))
    return _merge(out)


# A sentence ends at 。！？ (no space needed), or at .!? followed by a space or the
# end; closing quotes and brackets stay with their sentence. A line break ends one too.
_SENTENCE_END = re.compile(r"[。！？]+[”’\"'）)」』]*|[.!?]+[”’\"')\]]*(?=\s|$)|(?=\n)")


# A "." after these (or after a single letter, as in "Peter H. Diamandis") ends no sentence.
_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "inc", "ltd", "co", "corp"}
    | {"no", "fig", "e.g", "i.e", "u.s", "u.k", "approx", "dept"}
)
_LAST_WORD = re.compile(r"(\S+)$")


def _is_abbreviation(text: str, dot: int) -> bool:
    word = _LAST_WORD.search(text, max(0, dot - 12), dot)
    if word is None:
        return False
    word_text = word.group(1).lstrip("(\"'“‘").lower()
    return (len(word_text) == 1 and word_text.isalpha()) or word_text in _ABBREVIATIONS


@lru_cache(maxsize=4096)
def sentence_ends(text: str) -> tuple[int, ...]:
    """Plain-text offsets where sentences end; the last is always len(text)."""
    ends = sorted(
        {
            m.end()
            for m in _SENTENCE_END.finditer(text)
            if m.end() > 0 and not (text[m.start()] == "." and _is_abbreviation(text, m.start()))
        }
    )
    if not ends or ends[-1] != len(text):
        ends.append(len(text))
    return tuple(ends)
