"""Finding the items (stories) of a post in its section tree.

The rules, in the order they apply to each section (see `sections()`):
- Boilerplate sections (FAQ, ads, full-index tables, navigation) give nothing.
- A section whose own blocks are a *list of stories* gives one item per list item:
  its lists hold >= 2 items with a link, or 1 such item and no other link outside
  lists. Topic headings above such lists are therefore not items.
- Aggregator layouts (AINews: `## [LMArena](url) Discord`, `### **LMArena ▷
  #[general](url)** (1112 messages):`) put a linked heading over nothing but a list
  of bold-lead bullets (`- **Topic**: text`): each bullet is a story of its own, the
  heading's link standing in for bullets that have none (it is where they were said).
  A heading that is just a link (`### [Title](url)`), or has prose of its own (before
  the list, or with links), is one story whatever its bullets say; unlinked notes after
  the list ("X Discord has no new messages") are boilerplate.
- Otherwise a headed section with a link (in its heading or its own paragraphs,
  links in quotes and tables not counted) and no item-giving sub-sections is one
  item: `### [Title](url)` posts, `## Title` + prose + `🔗 [A](u1) · [B](u2)`.
- A later item whose canonical URL an earlier item already had is a repeat (a
  "deep dive" of a listed story) and dropped, unless 3+ items share that URL (then
  it is a generic landing page, not a story's link).

Each story keeps the name of the heading it sits under (`Story.section`).

Headlines: the canonical `[Headline - Author](url)` as written; else a bullet's
leading link or bold text (`**Topic**:`); else its lead-in before a colon or its
first sentence (at most 80 characters), which then is not repeated in the summary.
Author: the canonical link text's part after the last " - "; else, when the item's
canonical link is a tweet, its poster's @handle (the one name such posts give).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from bot.digest.blocks import (
    BARE_URL,
    Block,
    Heading,
    ListBlock,
    Node,
    Para,
    Quote,
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
# A publication's name before a quoted link (`> Wired, ["Article"](url)`); an ad's
# sentence ("想第一时间体验？来 [x](url)") is not one.
_SOURCE_NAME = re.compile(r"[\w .&'’-]{0,40}[,，:：·]?\s*")
# What a bold lead before a linked headline is when it is not the headline: a score
# (`**91**`), a tag (`**[产品]**`, `**【融资】**`), an emoji or a short label.
_TAG = re.compile(r"[\d.%/]+|[\[【(（].{1,12}[\]】)）]|\W{1,3}")
_HANDLE = re.compile(r"@\w{1,15}")
# twitter.com/<handle>/status/<id> (x.com, mobile.): the handle is the tweet's poster.
_TWEET = re.compile(
    r"https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/(\w{1,15})/status(?:es)?/\d+",
    re.IGNORECASE,
)
_DERIVED_TITLE_CHARS = 80
_COLON_LEAD = re.compile(r"^(.{2,60}?)(：|:\s)")
# A sentence ends at 。！？!? or ". ", closing quotes and brackets after it included.
_CLOSERS = "”’\"'」』）)"
_SENTENCE = (
    re.compile(rf"^(.+?[。！？!?][{_CLOSERS}]*)"),
    re.compile(rf"^(.+?\.[{_CLOSERS}]*)(?=\s|$)"),
)


@dataclass(frozen=True)
class Story:
    """An item and the name of the heading it sits under (None at the top)."""

    item: Item
    section: str | None


@dataclass
class _Title:
    text: str
    url: str | None
    rest: list[Node]  # the line after the title element
    whole_bare_link: bool  # the line is just `[text](url)`: the canonical layout


@dataclass
class _Found:
    title: str
    author: str | None
    url: str | None
    summary: str
    links: list[Link]
    from_list: bool  # found as a list item (not a heading)
    section: str | None


def find_stories(root: Section) -> list[Story]:
    found = _dedupe(_section_items(root, None))
    return [
        Story(
            Item(
                position,
                f.title,
                f.author or _tweet_author(f.url),
                f.url,
                f.summary,
                tuple(f.links),
            ),
            f.section,
        )
        for position, f in enumerate(found, start=1)
    ]


def find_items(root: Section) -> list[Item]:
    return [story.item for story in find_stories(root)]


def _section_items(section: Section, parent: str | None) -> list[_Found]:
    heading_text = plain(section.heading) if section.heading is not None else ""
    if section.heading is not None and BOILERPLATE.search(heading_text):
        return []
    name = _section_name(heading_text) or parent  # what items found in here sit under
    from_children = [found for child in section.children for found in _section_items(child, name)]
    if NAVIGATION.search(heading_text):
        return from_children
    heading_links = links_in(section.heading) if section.heading is not None else []
    if heading_links:
        from_lists = _aggregator_items(section, heading_links, name)
    else:
        from_lists = _list_items(section.body, name)
    if from_lists:
        return from_lists + from_children
    if from_children or section.heading is None:
        return from_children
    if heading_links or block_links(section.body, in_quotes=False) or _quoted_link(section):
        return [_heading_item(section, parent)]
    return []


def _quoted_link(section: Section) -> bool:
    """`### Headline` then `> Wired, ["Article"](url)`: the story's link quoted right
    under its heading (skynet-today, issue 1)."""
    first = section.body[0] if section.body else None
    if not isinstance(first, Quote) or not first.blocks or not isinstance(first.blocks[0], Para):
        return False
    inlines = first.blocks[0].inlines
    link = next((n for n in inlines if n.type == "link"), None)
    if link is None or not _href(link):
        return False
    return bool(_SOURCE_NAME.fullmatch(plain(inlines[: inlines.index(link)])))


def _section_name(heading_text: str) -> str | None:
    return heading_text.strip().rstrip(":：").strip() or None


def _list_items(body: list[Block], section: str | None) -> list[_Found]:
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
    raws = [_list_item(item, links, section) for pairs in with_links for item, links in pairs]
    return [raw for raw in raws if raw is not None]


def _aggregator_items(
    section: Section, heading_links: list[Link], name: str | None
) -> list[_Found]:
    """A linked heading over a list of bold-lead bullets and nothing else: one item per
    bullet (see the module notes); [] when the section is not that."""
    assert section.heading is not None
    title = _title(section.heading)
    if title is not None and title.whole_bare_link:
        return []  # `### [Story](url)`: the heading is the story, its bullets are notes
    lists = [block for block in section.body if isinstance(block, ListBlock)]
    if not lists:
        return []
    first_list = section.body.index(lists[0])
    prose = [block for block in section.body if isinstance(block, Para | Heading)]
    if any(section.body.index(block) < first_list for block in prose) or block_links(prose):
        return []  # prose of its own (an intro, linked notes): one story
    bullets = [item for block in lists for item in block.items]
    leads = sum(1 for bullet in bullets if _has_lead(bullet))
    if len(bullets) < 2 or 2 * leads < len(bullets):
        return []
    heading_link = next((link for link in heading_links if link.text != link.url), None)
    found = [_list_item(bullet, block_links(bullet), name, heading_link) for bullet in bullets]
    return [item for item in found if item is not None]


def _has_lead(bullet: list[Block]) -> bool:
    """`- **Topic**: ...`; also the malformed `- ****Topic** more!**:` and `- ** Topic**:`
    leads of real posts, which markdown-it reads as text starting with `**`."""
    if not bullet or not isinstance(bullet[0], Para):
        return False
    nodes = meaningful(bullet[0].inlines)
    if not nodes:
        return False
    first = nodes[0]
    return first.type == "strong" or (first.type == "text" and first.content.startswith("**"))


def _list_item(
    blocks: list[Block], links: list[Link], section: str | None, fallback: Link | None = None
) -> _Found | None:
    first = blocks[0] if blocks and isinstance(blocks[0], Para) else None
    title: _Title | None = None
    after_line: list[Node] = []
    if first is not None:
        line, after_line = split_first_line(first.inlines)
        title = _title(line)
    if title is not None and title.url and _HANDLE.fullmatch(title.text):
        # `- [@user](tweet): what they said`: the handle is the author (from the link),
        # the headline is what follows it.
        lead = summary_md(title.rest).lstrip(_SEPARATORS)
        text, rest = _headline(lead) if lead else (_clean_title(title.text), "")
        parts = [rest, summary_md(after_line), blocks_md(blocks[1:])]
        url: str | None = None
        author = None
    elif title is not None:
        text, url = title.text, title.url
        author = None
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
    elif first is not None:
        # No title element: the lead-in or first sentence is the headline, said once.
        text, rest = _headline(summary_md(first.inlines))
        parts = [rest, blocks_md(blocks[1:])]
        url, author = None, None
    else:
        whole = blocks_md(blocks)
        if not whole:
            return None
        text, _ = _headline(whole)
        parts = [whole]
        url, author = None, None
    summary = "\n\n".join(part for part in parts if part.strip())
    url = url or _pick_url(links)
    if url is None and fallback is not None:
        url, links = fallback.url, [*links, fallback]
    return _Found(
        text or "(untitled)", author, url, summary, _ordered_links(links, url), True, section
    )


def _headline(markdown: str) -> tuple[str, str]:
    """A headline for text that has none, and the text without it: the lead-in before
    a colon, else the first sentence, else the first line. A headline longer than 80
    characters is clipped and the text given back whole (nothing a reader could miss).
    The cut never falls inside `**bold**`."""
    text = markdown.strip()
    line = text.split("\n", 1)[0]
    candidates = []
    colon = _COLON_LEAD.match(line)
    if colon:
        candidates.append((colon.group(1), colon.end()))
    for pattern in _SENTENCE:
        sentence = pattern.match(line)
        if sentence:
            candidates.append((sentence.group(1), sentence.end()))
            break
    candidates.append((line, len(line)))
    balanced = [(candidate, end) for candidate, end in candidates if candidate.count("**") % 2 == 0]
    candidate, end = balanced[0] if balanced else (line, 0)  # end 0: give the text back whole
    headline = re.sub(r"[(（]\s*[)）]", "", BARE_URL.sub("", re.sub(r"[*`]+", "", candidate)))
    headline = re.sub(r"\s+", " ", headline).strip()
    if not headline:
        return "(untitled)", text
    headline = _clean_title(headline)
    if len(headline) > _DERIVED_TITLE_CHARS:
        return headline[: _DERIVED_TITLE_CHARS - 1].rstrip() + "…", text
    return headline, text[end:].lstrip(_SEPARATORS + "\n") if end else text


def _heading_item(section: Section, parent: str | None) -> _Found:
    assert section.heading is not None
    links = links_in(section.heading) + _all_links(section)
    title = _title(section.heading)
    text = title.text if title is not None and title.url else plain(section.heading)
    url = title.url if title is not None and title.url else None
    url = url or _pick_url(links)
    summary = blocks_md(_all_blocks(section))
    return _Found(_clean_title(text), None, url, summary, _ordered_links(links, url), False, parent)


def _pick_url(links: list[Link]) -> str | None:
    """The first labelled link (`[消息来源](url)`), else the first bare URL."""
    labelled = [link for link in links if link.text != link.url]
    chosen = labelled or links
    return chosen[0].url if chosen else None


def _tweet_author(url: str | None) -> str | None:
    match = _TWEET.match(url) if url else None
    if match is None or match.group(1).lower() == "i":  # x.com/i/status/...: no handle
        return None
    return "@" + match.group(1)


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
    if _tag_before_link(nodes):
        nodes = nodes[1:]  # `**91** [Headline](url)`, `**[产品]** [Headline](url)`
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


def _tag_before_link(nodes: list[Node]) -> bool:
    return (
        len(nodes) > 1
        and nodes[0].type == "strong"
        and nodes[1].type == "link"
        and bool(_TAG.fullmatch(plain(nodes[0].children)))
    )


def _href(node: Node) -> str | None:
    href = str(node.attrs.get("href", ""))
    return href if href.startswith(("http://", "https://")) else None


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


def _dedupe(found: list[_Found]) -> list[_Found]:
    counts = Counter(f.url for f in found if f.url)
    listed: set[str] = set()
    kept = []
    for f in found:
        if f.url and not f.from_list and f.url in listed and counts[f.url] < 3:
            continue
        if f.url and f.from_list:
            listed.add(f.url)
        kept.append(f)
    return kept
