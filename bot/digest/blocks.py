"""Markdown as a few plain blocks: the CommonMark token tree, reduced to what item
finding needs (paragraphs, lists, quotes, headings), with inline content kept as nodes.

Inline nodes are small `Node`s built from markdown-it's tokens; helpers here turn
them into plain text, summary Markdown (`**bold**` kept, links as their text) or a
list of links.

Parsing is most of the cost of ingesting a post, so two things markdown-it does
for every post are skipped where they provably cannot matter (the tokens stay
exactly the same): rules whose marker the post does not contain are switched off
(`_parser_for`), and plain http(s) link targets skip URL normalisation
(`_normalize_link`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.common.normalize_url import normalizeLink
from markdown_it.token import Token

from bot.digest.limits import MAX_INLINE_DEPTH
from bot.digest.models import Link

# A rule can only fire where its marker is: without the marker in the text it
# returns False and leaves no trace, so switching it off changes nothing but the
# time spent asking it. (`reference` alone tried every list item that starts
# with "[", i.e. every item of the canonical layout: a label must end in "]:".)
_RULE_MARKERS: dict[str, tuple[str, ...]] = {
    "reference": ("]:",),
    "html_block": ("<",),
    "html_inline": ("<",),
    "autolink": ("<",),
    "entity": ("&",),
    "backticks": ("`",),
    "image": ("![",),
    "escape": ("\\",),
    "fence": ("```", "~~~"),
    "table": ("|",),
    "heading": ("#",),
    "blockquote": (">",),
}

# The shape of most link targets: http(s), a plain host name, then URL-safe
# characters and %XX escapes. For these markdown-it's normalizeLink (mdurl parse,
# punycode, format, percent-encode) gives the URL back unchanged: the host has
# only ASCII labels of <= 63 [A-Za-z0-9-] characters and no port or user, the rest
# only characters mdurl.encode leaves alone.
_PLAIN_URL = re.compile(
    r"https?://[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*"
    r"(?:[/?#](?:[A-Za-z0-9;/?:@&=+$,\-_.!~*'()#]|%[0-9A-Fa-f]{2})*)?"
)
_MAX_HOST_CHARS = 255  # mdurl drops longer host names


def _normalize_link(url: str) -> str:
    if _PLAIN_URL.fullmatch(url) and len(url.split("/", 3)[2]) <= _MAX_HOST_CHARS:
        return url
    return normalizeLink(url)


class _Parser(MarkdownIt):
    def normalizeLink(self, url: str) -> str:
        return _normalize_link(url)


@functools.lru_cache(maxsize=64)
def _parser(unused_rules: frozenset[str]) -> MarkdownIt:
    md = _Parser("commonmark", {"html": True}).enable("table")
    if unused_rules:
        md.disable(sorted(unused_rules))
    return md


def _parser_for(markdown: str) -> MarkdownIt:
    unused = frozenset(
        rule
        for rule, markers in _RULE_MARKERS.items()
        if not any(marker in markdown for marker in markers)
    )
    return _parser(unused)


@dataclass(slots=True)
class Node:
    """A node of the token tree: a token, or an `_open`/`_close` pair with what is
    between (type without the suffix), the fields of markdown-it's Node
    that we read, without its per-attribute look-ups."""

    type: str
    children: list[Node] = field(default_factory=list)
    content: str = ""
    attrs: dict = field(default_factory=dict)
    map: list[int] | None = None
    markup: str = ""
    tag: str = ""


def _tree(tokens: list[Token]) -> list[Node]:
    """Nodes from markdown-it's flat tokens. Markup nested deeper than MAX_INLINE_DEPTH
    (`*a *b *c ...` 100,000 times) is dropped, its text kept: every helper below
    recurses over this tree."""
    top: list[Node] = []
    stack = [top]
    skipped = 0  # opening tokens dropped for depth whose closing token is still to come
    for token in tokens:
        if token.nesting == -1:
            if skipped:
                skipped -= 1
            else:
                stack.pop()
            continue
        nester = token.nesting == 1
        if nester and len(stack) > MAX_INLINE_DEPTH:
            skipped += 1
            continue
        node = Node(
            token.type[:-5] if nester else token.type,
            [] if nester or not token.children else _tree(token.children),
            token.content,
            token.attrs,
            token.map,
            token.markup,
            token.tag,
        )
        stack[-1].append(node)
        if nester:
            stack.append(node.children)
    return top


# Link labels that only say "source" and add nothing to a summary.
_GENERIC_LABEL = re.compile(
    r"^\s*(消息来源|来源链接|来源|链接|原文链接|原文|阅读原文|详情|source|link|read more)\b",
    re.IGNORECASE,
)


@dataclass
class Para:
    inlines: list[Node]


@dataclass
class ListBlock:
    ordered: bool
    items: list[list[Block]]


@dataclass
class Quote:
    blocks: list[Block]


@dataclass
class Heading:
    level: int
    inlines: list[Node]


@dataclass
class Other:
    """Code, tables, HTML, rules: never item text; table links are an index, not items."""

    kind: str


Block = Para | ListBlock | Quote | Heading | Other


@dataclass
class Section:
    level: float  # 0 for the part before the first heading; pseudo-sections x.5
    heading: list[Node] | None
    body: list[Block] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)
    pseudo: bool = False  # a bold line standing in for a heading


def parse_blocks(markdown: str) -> list[Block]:
    lines = markdown.split("\n")
    blocks: list[Block] = []
    for node in _tree(_parser_for(markdown).parse(markdown)):
        if node.type == "fence" and _unclosed(node, lines):
            # A stray ``` (one real post has one) would hide the rest of the post
            # in a code block; a reader of the file still sees the items, so do we.
            blocks.extend(parse_blocks(node.content))
        else:
            blocks.append(_block(node))
    return blocks


def _unclosed(node: Node, lines: list[str]) -> bool:
    start, end = node.map or (0, 0)
    last = lines[end - 1].strip() if 0 < end <= len(lines) else ""
    return end > start + 1 and not last.startswith(node.markup)


def _block(node: Node) -> Block:
    if node.type == "paragraph":
        return Para(_inline_children(node))
    if node.type in ("bullet_list", "ordered_list"):
        items = [[_block(child) for child in item.children] for item in node.children]
        return ListBlock(node.type == "ordered_list", items)
    if node.type == "blockquote":
        return Quote([_block(child) for child in node.children])
    if node.type == "heading":
        return Heading(int(node.tag[1]), _inline_children(node))
    return Other(node.type)


def _inline_children(node: Node) -> list[Node]:
    if node.children and node.children[0].type == "inline":
        return list(node.children[0].children)
    return []


# --- inline helpers -------------------------------------------------------------


def plain(inlines: list[Node]) -> str:
    """The text a reader sees, without markup; line breaks become spaces."""
    out = []
    for node in inlines:
        if node.type == "text" or node.type == "code_inline":
            out.append(node.content)
        elif node.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif node.type == "image" or node.type == "html_inline":
            continue
        else:
            out.append(plain(node.children))
    return re.sub(r"[ \t]+", " ", "".join(out)).strip()


def summary_md(inlines: list[Node]) -> str:
    """Summary Markdown: `**bold**` kept, links as their text, images and HTML dropped,
    bare "source" link labels dropped (the link itself is kept in Item.links)."""
    out = []
    for node in inlines:
        if node.type == "text":
            out.append(node.content)
        elif node.type == "code_inline":
            out.append(f"`{node.content}`")
        elif node.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif node.type == "strong":
            inner = summary_md(node.children).strip()
            out.append(f"**{inner}**" if inner else "")
        elif node.type == "em":
            inner = summary_md(node.children).strip()
            out.append(f"*{inner}*" if inner else "")
        elif node.type == "link":
            text = summary_md(node.children)
            if not _GENERIC_LABEL.match(plain(node.children)):
                out.append(text)
        elif node.type in ("image", "html_inline"):
            continue
        else:
            out.append(summary_md(node.children))
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in "".join(out).split("\n")]
    return "\n".join(line for line in lines if line)


# A bare URL in text (`来源：https://...`, `（https://...）`): stops at spaces, CJK
# text and full-width punctuation; trailing ASCII punctuation is not part of it.
BARE_URL = re.compile(r"https?://[^\s<>()\[\]\"'\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]+")


def links_in(inlines: list[Node]) -> list[Link]:
    """Every http(s) link, in order (images are not links), bare URLs included."""
    found = []
    for node in inlines:
        if node.type == "text":
            for match in BARE_URL.finditer(node.content):
                url = match.group(0).rstrip(".,;:!?")
                found.append(Link(url, url))
        elif node.type == "link":
            href = str(node.attrs.get("href", ""))
            if href.startswith(("http://", "https://")):
                found.append(Link(plain(node.children) or href, href))
        elif node.children and node.type != "image":
            found.extend(links_in(node.children))
    return found


def block_links(blocks: Sequence[Block], *, in_quotes: bool = True) -> list[Link]:
    found: list[Link] = []
    for block in blocks:
        if isinstance(block, Para | Heading):
            found.extend(links_in(block.inlines))
        elif isinstance(block, ListBlock):
            for item in block.items:
                found.extend(block_links(item, in_quotes=in_quotes))
        elif isinstance(block, Quote) and in_quotes:
            found.extend(block_links(block.blocks))
    return found


def blocks_md(blocks: list[Block]) -> str:
    """Blocks as summary Markdown, paragraphs separated by a blank line."""
    parts = []
    for block in blocks:
        if isinstance(block, Para):
            text = summary_md(block.inlines)
        elif isinstance(block, Heading):
            inner = summary_md(block.inlines)
            text = f"**{inner}**" if inner else ""
        elif isinstance(block, ListBlock):
            lines = []
            for item in block.items:
                item_text = blocks_md(item)
                if item_text:
                    first, *rest = item_text.split("\n")
                    lines.append(f"- {first}")
                    lines.extend(f"  {line}" if line else "" for line in rest)
            text = "\n".join(lines)
        elif isinstance(block, Quote):
            inner = blocks_md(block.blocks)
            text = "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))
            text = text if inner else ""
        else:
            text = ""
        if text.strip():
            parts.append(text.strip())
    return "\n\n".join(parts)


def split_first_line(
    inlines: list[Node],
) -> tuple[list[Node], list[Node]]:
    """A paragraph's first line and the rest (split at the first soft/hard break)."""
    for index, node in enumerate(inlines):
        if node.type in ("softbreak", "hardbreak"):
            return inlines[:index], inlines[index + 1 :]
    return inlines, []


def meaningful(inlines: list[Node]) -> list[Node]:
    """Inline nodes without blank text and HTML (comments, <br>)."""
    return [
        node
        for node in inlines
        if not (node.type == "text" and not node.content.strip()) and node.type != "html_inline"
    ]


# --- sections -------------------------------------------------------------------


def sections(blocks: list[Block]) -> Section:
    """Headings as a tree: each section holds its own blocks and its sub-sections.
    Inside headed sections, a paragraph whose first line is only bold text (not a
    "要点：" style label ending in a colon) opens a pseudo-section one level down."""
    root = Section(0, None)
    stack = [root]
    for block in blocks:
        if isinstance(block, Heading):
            while stack[-1].pseudo or stack[-1].level >= block.level:
                stack.pop()
            section = Section(block.level, block.inlines)
            stack[-1].children.append(section)
            stack.append(section)
            continue
        top = stack[-1]
        bold = _bold_line(block) if top.level > 0 else None
        if bold is not None:
            if top.pseudo:
                stack.pop()
                top = stack[-1]
            heading, rest = bold
            section = Section(top.level + 0.5, heading, pseudo=True)
            if meaningful(rest):
                section.body.append(Para(rest))
            top.children.append(section)
            stack.append(section)
            continue
        top.body.append(block)
    return root


def _bold_line(block: Block) -> tuple[list[Node], list[Node]] | None:
    if not isinstance(block, Para):
        return None
    first, rest = split_first_line(block.inlines)
    nodes = meaningful(first)
    if len(nodes) != 1 or nodes[0].type != "strong":
        return None
    text = plain(nodes[0].children)
    if not text or text.endswith((":", "：")):
        return None
    return nodes[0].children, rest
