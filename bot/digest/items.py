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
from dataclasses import dataclass, replace

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
    r"常见问题|相关问题|FAQ|全量索引|获取成本|账号|Audio Version|Voice Edition|语音版"
    r"|^\s*Podcast\s*$|趋势预测|Trend Predictions|产品自荐|Product Spotlight|今日推荐产品",
    re.IGNORECASE,
)
# Navigation: its own links are anchors, but (a heading-level slip in some posts)
# the real sections can sit below it, so only its own blocks are skipped.
NAVIGATION = re.compile(r"快速导航|导航|Navigation|目录|Contents", re.IGNORECASE)
_NUMBERING = re.compile(r"^\s*\d{1,3}\s*[.、)）]\s*")
_SEPARATORS = " \t:：—–-·|"
# A publication's name before a quoted link (`> Wired, ["Article"](url)`, `> 📰 机器之心
# · 🔗 [原文](url)`); an ad's sentence ("想第一时间体验？来 [x](url)") is not one.
_SOURCE_NAME = re.compile(r"[^？。！?!\n]{0,60}")
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
    rule: str = ""  # which reading found it (RULES), for `parse --explain`


# The readings that find stories, as `parse --explain` names them.
RULES = {
    "list": "list items with a link",
    "channel": "lead bullets under a linked heading (a chat channel)",
    "paragraphs": "paragraphs that open with a link",
    "heading": "a heading with its section (link in the heading or its text)",
    "headlines": "unlinked headlines of a feed entry, pointing to the entry",
}


@dataclass
class Reading:
    """The stories and what `parse --explain` tells about how they were found."""

    stories: list[Story]
    left_out: list[str]  # sections not read for stories, with why
    folded: int  # later tellings folded into a story told before
    retold: bool  # the post retells its stories (see RETOLD_SHARE)


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
    rule: str = "list"


def find_stories(root: Section, fallback_link: Link | None = None) -> list[Story]:
    return read_stories(root, fallback_link).stories


def read_stories(root: Section, fallback_link: Link | None = None) -> Reading:
    """The post's stories. `fallback_link` (a feed entry's own link): when its list
    items far outnumber the linked stories found (a feed entry listing the day's
    headlines without links, CloudFlare AI-Insight-Daily), they are the stories, each
    pointing to the entry."""
    left_out: list[str] = []
    raw = _section_items(root, None, left_out)
    found, retold = _dedupe(raw)
    folded = len(raw) - len(found)
    if fallback_link is not None:
        headlines = _headline_items(root, fallback_link, None)
        if len(headlines) > 2 * len(found):  # a "read it all" link is not the stories
            found, folded = headlines, 0
    stories = [
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
            f.rule,
        )
        for position, f in enumerate(found, start=1)
    ]
    return Reading(stories, left_out, folded, retold)


def find_items(root: Section) -> list[Item]:
    return [story.item for story in find_stories(root)]


def _section_items(section: Section, parent: str | None, left_out: list[str]) -> list[_Found]:
    heading_text = plain(section.heading) if section.heading is not None else ""
    if section.heading is not None and BOILERPLATE.search(heading_text):
        left_out.append(f"{heading_text[:60]!r}: boilerplate (FAQ, ads, index, audio)")
        return []
    name = _section_name(heading_text) or parent  # what items found in here sit under
    from_children = [
        found for child in section.children for found in _section_items(child, name, left_out)
    ]
    if NAVIGATION.search(heading_text):
        left_out.append(f"{heading_text[:60]!r}: navigation (its own links are anchors)")
        return from_children
    heading_links = links_in(section.heading) if section.heading is not None else []
    if heading_links:
        from_lists = _aggregator_items(section, heading_links, name)
    else:
        from_lists = _list_items(section.body, name)
    if not from_lists and not heading_links:
        from_lists = _link_paragraphs(section.body, name)
    if from_lists:
        return from_lists + from_children
    if from_children or section.heading is None:
        return from_children
    if heading_links or block_links(section.body, in_quotes=False) or _quoted_link(section):
        return [_heading_item(section, parent)]
    return []


def _headline_items(section: Section, link: Link, parent: str | None) -> list[_Found]:
    heading = plain(section.heading) if section.heading is not None else ""
    if BOILERPLATE.search(heading):
        return []
    name = _section_name(heading) or parent
    found = [
        _Found(
            _clean_title(plain(item[0].inlines)),
            None,
            link.url,
            "",
            [link],
            True,
            name,
            "headlines",
        )
        for block in section.body
        if isinstance(block, ListBlock)
        for item in block.items
        if item and isinstance(item[0], Para) and plain(item[0].inlines)
    ]
    for child in section.children:
        found += _headline_items(child, link, name)
    return found


def _link_paragraphs(body: list[Block], section: str | None) -> list[_Found]:
    """Paragraphs that each open with a linked headline (`[Headline](url) - "quote"`,
    skynet-today 2022-2026) are stories as list items are, when they are at least two
    and most of the section's linked paragraphs."""
    paras = [block for block in body if isinstance(block, Para)]
    linked = [para for para in paras if links_in(para.inlines)]
    led = [para for para in linked if _link_led(para)]
    if len(led) < 2 or 2 * len(led) <= len(linked):
        return []
    found = [_list_item([para], links_in(para.inlines), section) for para in led]
    return [replace(item, rule="paragraphs") for item in found if item is not None]


def _link_led(para: Para) -> bool:
    title = _title(split_first_line(para.inlines)[0])
    return title is not None and title.url is not None


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
    if all(_field_bullet(item) for pairs in with_links for item, links in pairs if links):
        return []  # `- **来源**：…` `- **链接**：…`: a story's fields, not stories
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
    bullets = [
        item for block in lists if not _links_mentioned(section.body, block) for item in block.items
    ]
    leads = sum(1 for bullet in bullets if _has_lead(bullet))
    if not leads or 2 * leads < len(bullets):
        return []
    intro: list[Block] = [block for block in prose if section.body.index(block) < first_list]
    if block_links(prose) or (intro and (len(bullets) < 3 or _long(intro))):
        return []  # prose of its own (an intro, linked notes): one story
    # (a one-line unlinked note before 3+ lead bullets, "Only 1 channel had activity",
    # is the recap's, not a story's intro)
    heading_link = next((link for link in heading_links if link.text != link.url), None)
    found = [_list_item(bullet, block_links(bullet), name, heading_link) for bullet in bullets]
    return [replace(item, rule="channel") for item in found if item is not None]


# `**Links mentioned**:` (AINews 2024, `**提到的链接**：` translated): the list after it is
# the channel's links, not its stories.
_LINKS_MENTIONED = re.compile(r"(?:links mentioned|提到的链接|相关链接)\s*[:：]?", re.IGNORECASE)


def _links_mentioned(body: list[Block], block: ListBlock) -> bool:
    index = body.index(block)
    before = body[index - 1] if index else None
    return isinstance(before, Para) and bool(_LINKS_MENTIONED.fullmatch(plain(before.inlines)))


_GENERIC_LABEL = re.compile(
    r"(消息来源|来源链接|来源|链接|原文链接|原文|阅读原文|阅读全文|详情"
    r"|source|link|read more|read)",
    re.IGNORECASE,
)
# A labelled field of a story, in either language: `**来源**：`, `Source:`, `🔗 链接：`.
_FIELD_LABEL = re.compile(
    r"\W{0,3}(来源|链接|原文|摘要|时间|发布时间|评分|分数|标签|作者|预测\w{0,4}|source|link|url"
    r"|summary|time|published|score|tags?|author)\s*[:：]?\s*",
    re.IGNORECASE,
)


def _field_bullet(blocks: list[Block]) -> bool:
    """A bullet that is a labelled field (`- **来源**：InfoQ`, `- 链接: url`)."""
    if not blocks or not isinstance(blocks[0], Para):
        return False
    nodes = meaningful(blocks[0].inlines)
    if not nodes:
        return False
    if _GENERIC_LABEL.fullmatch(plain(blocks[0].inlines).strip(" 🔗📎👉→:：")):
        return True  # `- 🔗 [阅读原文](url)`: the story's link as a field
    first = nodes[0]
    if first.type == "strong":
        label = plain(first.children)
    elif first.type == "text":
        label = (
            re.split(r"[:：]", first.content, maxsplit=1)[0]
            if re.search(r"[:：]", first.content)
            else ""
        )
    else:
        return False
    return bool(_FIELD_LABEL.fullmatch(label))


def _long(blocks: list[Block]) -> bool:
    """More than a one-line note: two paragraphs, or one of over 120 characters."""
    return len(blocks) > 1 or len(blocks_md(blocks)) > 120


def _has_lead(bullet: list[Block]) -> bool:
    """`- **Topic**: ...`; also the malformed `- ****Topic** more!**:` and `- ** Topic**:`
    leads of real posts, which markdown-it reads as text starting with `**`."""
    if not bullet or not isinstance(bullet[0], Para):
        return False
    nodes = meaningful(bullet[0].inlines)
    if not nodes:
        return False
    first = nodes[0]
    if first.type in ("strong", "em", "code_inline"):  # 2023 emails: `*Topic*`, `@user`
        return True
    return first.type == "text" and first.content.startswith("**")


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
    links = _ordered_links(links, url)
    return _Found(_clean_title(text), None, url, summary, links, False, parent, "heading")


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


# A post retells its stories when at least this share of its items repeat an earlier
# one (same link, same headline): its overview lists (速览, 逐条摘要, 重点推荐) come before
# the sections that hold every story. Below it, a repeat is a story a daily log or a
# chat recap lists again on another day or channel, which a reader counts again.
# Tuned leave-one-source-out in bench/parse_fidelity.py.
RETOLD_SHARE = 0.3
# Items of one link compared with a later one: a story is told a few times at most; a
# link thousands of items share (a channel) must not make the comparisons quadratic.
_TELLINGS = 8


def _dedupe(found: list[_Found], retold_share: float | None = None) -> tuple[list[_Found], bool]:
    """One item per story. A heading's deep dive of a story listed above (same link, 2
    tellings at most) is folded into the listed one; in a post that retells its
    stories (see RETOLD_SHARE) every later telling with the same link and headline is.
    The story keeps the first telling's place and the richest telling's words. Items
    that only share a link (a chat channel, a day's page) stay apart."""
    share = RETOLD_SHARE if retold_share is None else retold_share
    counts = Counter(f.url for f in found if f.url)
    seen: dict[str, list[str]] = {}
    retold = 0
    for f in found:
        if f.url:
            titles = seen.setdefault(f.url, [])
            retold += any(_same_headline(title, f.title) for title in titles)
            if len(titles) < _TELLINGS:
                titles.append(f.title)
    fold_retold = bool(found) and retold >= share * len(found)
    kept: list[_Found] = []
    by_url: dict[str, list[int]] = {}
    for f in found:
        same_url = by_url.get(f.url or "", [])
        earlier = _told_before(f, kept, same_url, counts, fold_retold)
        if earlier is None:
            if f.url and len(same_url) < _TELLINGS:
                by_url.setdefault(f.url, []).append(len(kept))
            kept.append(f)
        else:
            kept[earlier] = _richer(kept[earlier], f)
    return kept, fold_retold


def _told_before(
    f: _Found, kept: list[_Found], same_url: list[int], counts: Counter, fold_retold: bool
) -> int | None:
    for index in same_url:
        first = kept[index]
        if first.from_list and not f.from_list and counts[f.url] < 3:
            return index  # a deep dive under a heading of a story listed above
        if fold_retold and _same_headline(first.title, f.title):
            return index
    return None


def _same_headline(a: str, b: str) -> bool:
    """Headlines of one story as two lists give them: equal, or one cut short of the
    other at a word's end ("Codex Security" / "Codex Security：研究预览版发布"; not
    "Story 1" / "Story 10")."""
    (short_raw, short), (_, long) = sorted(
        ((a, _comparable(a)), (b, _comparable(b))), key=lambda p: len(p[1])
    )
    if short == long:
        return True
    if len(short) < 3 or not long.startswith(short):
        return False
    # cut at a word's end, or after a sentence or a clip ("！", "…")
    return not short_raw.strip()[-1].isalnum() or not long[len(short)].isalnum()


def _comparable(title: str) -> str:
    return " ".join(title.rstrip("…").casefold().split())


def _richer(first: _Found, later: _Found) -> _Found:
    """The first telling's place with the fuller telling's headline, summary, section."""
    best = later if len(later.summary) > len(first.summary) else first
    longer = len(later.title) > len(first.title) and _same_headline(first.title, later.title)
    title = later.title if longer else first.title  # "Codex Security" -> its full headline
    links = _ordered_links([*first.links, *later.links], first.url)
    return replace(
        first,
        title=title,
        author=first.author or later.author,
        summary=best.summary,
        links=links,
        from_list=first.from_list and later.from_list,
        section=best.section,
    )
