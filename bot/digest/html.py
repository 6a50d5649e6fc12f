"""Feed-entry HTML to Markdown-ish text, so feed content goes through the same item
finding as Markdown posts. Only what digests use: headings, paragraphs, lists,
links, bold/italic, line breaks; scripts, styles, images, tables and code dropped."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK = {"p", "div", "section", "article", "blockquote", "header", "footer", "figure", "hr"}
_SKIP = {"script", "style", "table", "pre", "svg", "iframe", "noscript", "head", "title"}
_ESCAPE = re.compile(r"([\\`*_\[\]<>])")
# Lists nested deeper than this are indented as this deep: 5,000 unclosed <ul> would
# otherwise indent each line by up to 20,000 spaces (quadratic output, minutes of parsing).
_MAX_LIST_INDENT = 8


def html_to_markdown(html: str) -> str:
    converter = _Converter()
    converter.feed(html)
    converter.close()
    text = "".join(converter.out)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.lists: list[list] = []  # [ordered, next number] per open list
        self.links: list[str | None] = []
        self.skip = 0
        self.item_start = False  # just wrote a list marker, nothing after it yet

    def _indent(self, depth: int | None = None) -> str:
        depth = len(self.lists) if depth is None else depth
        return "    " * min(depth, _MAX_LIST_INDENT)

    def _break(self, blank: bool = True) -> None:
        if self.item_start:
            return  # `<li><p>`: the paragraph starts on the marker's line
        self.out.append(("\n\n" if blank else "\n") + self._indent())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
            return
        if self.skip:
            return
        if tag in _BLOCK:
            self._break()
        elif re.fullmatch(r"h[1-6]", tag):
            self._break()
            self.out.append("#" * int(tag[1]) + " ")
        elif tag in ("ul", "ol"):
            self._break()
            self.lists.append([tag == "ol", 1])
        elif tag == "li":
            if not self.lists:
                self.lists.append([False, 1])
            ordered, number = self.lists[-1]
            marker = f"{number}. " if ordered else "- "
            self.lists[-1][1] += 1
            self.item_start = False
            self.out.append("\n\n" + self._indent(len(self.lists) - 1) + marker)
            self.item_start = True
        elif tag == "br":
            self._break(blank=False)
        elif tag in ("strong", "b"):
            self._inline("**")
        elif tag in ("em", "i"):
            self._inline("*")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            if href.startswith(("http://", "https://")):
                self.links.append(href)
                self._inline("[")
            else:
                self.links.append(None)

    def _inline(self, markup: str) -> None:
        self.item_start = False
        self.out.append(markup)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag in _BLOCK or re.fullmatch(r"h[1-6]", tag):
            self._break()
        elif tag == "li":
            self.item_start = False
        elif tag in ("ul", "ol"):
            self.item_start = False
            if self.lists:
                self.lists.pop()
            self._break()
        elif tag in ("strong", "b"):
            self.out.append("**")
        elif tag in ("em", "i"):
            self.out.append("*")
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href is not None:
                self.out.append(f"]({href.replace(' ', '%20').replace(')', '%29')})")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        text = re.sub(r"\s+", " ", data)
        if not text.strip() and (not self.out or self.out[-1].endswith((" ", "\n"))):
            return
        if self.out and self.out[-1].endswith(("\n", " ", "- ", ". ", "# ")):
            text = text.lstrip()
        self.item_start = False
        self.out.append(_ESCAPE.sub(r"\\\1", text))
