"""Finding the items of a post in its section tree.

The rules, in the order they apply to each section (see `sections()`):
- Boilerplate sections (FAQ, ads, full-index tables, navigation) give nothing.
- A section whose own blocks are a *list of stories* gives one item per list item:
  its lists hold >= 2 items with a link, or 1 such item and no other link outside
  lists. Topic headings above such lists are therefore not items.
- Otherwise a headed section with a link (in its heading or its own paragraphs,
  links in quotes and tables not counted) and no item-giving sub-sections is one
  item: `### [Title](url)` posts, `## Title` + prose + `🔗 [A](u1) · [B](u2)`.
- A later item whose canonical URL an earlier item already had is a repeat (a
  "deep dive" of a listed story) and dropped, unless 3+ items share that URL (then
  it is a generic landing page, not a story's link).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from bot.digest.blocks import (
    BARE_URL,
    Block,
    ListBlock,
    Node,
    Para,
    Section,
    block_links,
    blocks_md,
    links_in,
    meaningful,
    plain,
    split_first_line,
    summary_md,
)
from bot.digest.models import Item, Link

BOILERPLATE = re.compile(
    r"常见问题|相关问题|FAQ|全量索引|获取成本|账号|Audio Version|Voice Edition|语音版",
    re.IGNORECASE,
)
# Navigation: its own links are anchors, but (a heading-level slip in some posts)
# the real sections can sit below it, so only its own blocks are skipped.
NAVIGATION = re.compile(r"快速导航|导航|Navigation|目录|Contents", re.IGNORECASE)
_NUMBERING = re.compile(r"^\s*\d{1,3}\s*[.、)）]\s*")
_SEPARATORS = " \t:：—–-·|"


@dataclass
class _Title:
    text: str
    url: str | None
    rest: list[Node]  # the line after the title element
    whole_bare_link: bool  # the line is just `[text](url)`: the canonical layout


def find_items(root: Section) -> list[Item]:
    found = _dedupe(_section_items(root))
    return [
        Item(position, title, author, url, summary, tuple(links))
        for position, (title, author, url, summary, links, _) in enumerate(found, start=1)
    ]


# title, author, url, summary, links, found as a list item (not a heading)
_Raw = tuple[str, str | None, str | None, str, list[Link], bool]


def _section_items(section: Section) -> list[_Raw]:
    if section.heading is not None and BOILERPLATE.search(plain(section.heading)):
        return []
    heading_text = plain(section.heading) if section.heading is not None else ""
    from_children = [raw for child in section.children for raw in _section_items(child)]
    if NAVIGATION.search(heading_text):
        return from_children
    heading_links = links_in(section.heading) if section.heading is not None else []
    from_lists = [] if heading_links else _list_items(section.body)
    if from_lists:
        return from_lists + from_children
    if from_children or section.heading is None:
        return from_children
    if heading_links or block_links(section.body, in_quotes=False):
        return [_heading_item(section)]
    return []


def _list_items(body: list[Block]) -> list[_Raw]:
    # Each list item's links, found once: (item, its links) per list.
    lists = [
        [(item, block_links(item)) for item in block.items]
        for block in body
        if isinstance(block, ListBlock)
    ]
    with_links = [pairs for pairs in lists if any(links for _, links in pairs)]
    linked_items = sum(1 for pairs in lists for _, links in pairs if links)
    outside = block_links([b for b in body if not isinstance(b, ListBlock)], in_quotes=False)
    if not (linked_items >= 2 or (linked_items == 1 and not outside)):
        return []
    if len(outside) > linked_items:
        return []  # prose with a few link bullets: one story, not a list of stories
    raws = [_list_item(item, links) for pairs in with_links for item, links in pairs]
    return [raw for raw in raws if raw is not None]


def _list_item(blocks: list[Block], links: list[Link]) -> _Raw | None:
    first = blocks[0] if blocks and isinstance(blocks[0], Para) else None
    title: _Title | None = None
    if first is not None:
        line, after_line = split_first_line(first.inlines)
        title = _title(line)
    author = None
    if title is not None and first is not None:
        text, url = title.text, title.url
        if title.whole_bare_link:
            # The canonical layout: `[Headline - Author](url)`, split at the LAST " - ",
            # the headline kept exactly as written.
            head, sep, tail = text.rpartition(" - ")
            if sep and head.strip() and tail.strip():
                text, author = head.strip(), tail.strip()
            text = text.strip()
        else:
            text = _clean_title(text)
        lead = summary_md(title.rest).lstrip(_SEPARATORS).rstrip(" -–—|")
        parts = [lead, summary_md(after_line), blocks_md(blocks[1:])]
    else:
        whole = blocks_md(blocks)
        if not whole:
            return None
        source_line = plain(first.inlines) if first is not None else whole
        text, url = _clean_title(_derived_title(source_line)), None
        parts = [whole]
    summary = "\n\n".join(part for part in parts if part.strip())
    url = url or _pick_url(links)
    return text or "(untitled)", author, url, summary, _ordered_links(links, url), True


def _heading_item(section: Section) -> _Raw:
    assert section.heading is not None
    links = links_in(section.heading) + _all_links(section)
    title = _title(section.heading)
    text = title.text if title is not None and title.url else plain(section.heading)
    url = title.url if title is not None and title.url else None
    url = url or _pick_url(links)
    summary = blocks_md(_all_blocks(section))
    return _clean_title(text), None, url, summary, _ordered_links(links, url), False


def _pick_url(links: list[Link]) -> str | None:
    """The first labelled link (`[消息来源](url)`), else the first bare URL."""
    labelled = [link for link in links if link.text != link.url]
    chosen = labelled or links
    return chosen[0].url if chosen else None


def _all_blocks(section: Section) -> list[Block]:
    blocks = list(section.body)
    for child in section.children:
        if child.heading is not None:
            blocks.append(Para([_strong(child.heading)]))
        blocks.extend(_all_blocks(child))
    return blocks


def _all_links(section: Section) -> list[Link]:
    found = block_links(section.body)
    for child in section.children:
        found += links_in(child.heading or []) + _all_links(child)
    return found


def _strong(inlines: list[Node]) -> Node:
    return Node("strong", inlines)


def _title(line: list[Node]) -> _Title | None:
    """The title element leading a line: a link, bold text, or bold link,
    after an optional "1." numbering."""
    nodes = meaningful(line)
    if not nodes:
        return None
    if len(nodes) > 1 and nodes[0].type == "text" and _NUMBERING.fullmatch(nodes[0].content):
        nodes = nodes[1:]
    first = nodes[0]
    rest = line[line.index(first) + 1 :]
    if first.type == "link":
        return _Title(plain(first.children), _href(first), rest, len(nodes) == 1)
    if first.type == "strong":
        inner = meaningful(first.children)
        if len(inner) > 1 and inner[0].type == "text" and _NUMBERING.fullmatch(inner[0].content):
            inner = inner[1:]
        if len(inner) == 1 and inner[0].type == "link":
            return _Title(plain(inner[0].children), _href(inner[0]), rest, False)
        return _Title(plain(first.children), None, rest, False)
    return None


def _href(node: Node) -> str | None:
    href = str(node.attrs.get("href", ""))
    return href if href.startswith(("http://", "https://")) else None


def _derived_title(text: str) -> str:
    """A title for a bullet that has none: its lead-in before a colon, else its
    first sentence, at most 80 characters."""
    text = re.sub(r"[(（]\s*[)）]", "", BARE_URL.sub("", text)).strip()
    colon = re.match(r"^(.{2,60}?)(：|:\s)", text)
    if colon:
        return colon.group(1)
    sentence = re.match(r"^(.+?[。！？!?])", text) or re.match(r"^(.+?\.)(\s|$)", text)
    candidate = sentence.group(1) if sentence else text
    return candidate if len(candidate) <= 80 else candidate[:79].rstrip() + "…"


def _clean_title(text: str) -> str:
    text = _NUMBERING.sub("", text.strip())
    return text.strip().rstrip(":：").strip() or "(untitled)"


def _ordered_links(links: list[Link], url: str | None) -> list[Link]:
    """Distinct links, the canonical one first."""
    seen: set[str] = set()
    ordered = []
    for link in sorted(links, key=lambda link: link.url != url):
        if link.url not in seen:
            seen.add(link.url)
            ordered.append(link)
    return ordered


def _dedupe(raws: list[_Raw]) -> list[_Raw]:
    counts = Counter(raw[2] for raw in raws if raw[2])
    listed: set[str] = set()
    kept = []
    for raw in raws:
        url, from_list = raw[2], raw[5]
        if url and not from_list and url in listed and counts[url] < 3:
            continue
        if url and from_list:
            listed.add(url)
        kept.append(raw)
    return kept
