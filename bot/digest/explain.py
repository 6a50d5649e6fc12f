"""What `digest-bot parse --explain` says about a post: which reading found its items,
how many each, what was left out, and whether one structure wins clearly.

When none does (a post with links but no stories found, or items found by several
readings none of which holds most of them), `unclear` says why: `parse` prints it and
ingest logs it as a warning naming the post, so an operator learns it at once.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from bot.digest.items import RULES, Reading

# A post with this many links and no story found is not read, not empty.
UNREAD_LINKS = 3
# The reading that found most items holds at least this share of them (two readings
# side by side, TOP 10 headings and a list of briefs, are a layout), or the post's
# structure is mixed (four items or more).
CLEAR_SHARE = 0.45
_LINK = re.compile(r"https?://")


@dataclass(frozen=True)
class Explanation:
    rules: tuple[tuple[str, int], ...]  # (reading, items it found), most first
    left_out: tuple[str, ...]  # sections not read for stories, with why
    folded: int  # later tellings folded into a story told before
    retold: bool  # the post retells its stories (overview lists)
    links: int  # http(s) links in the post's text
    unclear: str | None  # why no structure wins clearly; None when one does


def explain(reading: Reading, text: str) -> Explanation:
    counts = Counter(story.rule for story in reading.stories)
    rules = tuple(counts.most_common())
    links = len(_LINK.findall(text))
    total = len(reading.stories)
    unclear = None
    if not total and links >= UNREAD_LINKS:
        unclear = (
            f"no items found in a post with {links} links: no list, heading or paragraph of stories"
        )
    elif total >= 4 and rules[0][1] < CLEAR_SHARE * total:
        shares = ", ".join(f"{count} by {RULES.get(rule, rule)}" for rule, count in rules)
        unclear = f"no structure holds most items: {shares}"
    return Explanation(
        rules, tuple(reading.left_out), reading.folded, reading.retold, links, unclear
    )


def explanation_lines(explanation: Explanation, items: int) -> list[str]:
    """The explanation as the lines `parse --explain` prints."""
    lines = [f"{items} items from a post with {explanation.links} links"]
    for rule, count in explanation.rules:
        lines.append(f"  {count:4} by {RULES.get(rule, rule)}")
    if explanation.folded:
        why = (
            "the post retells its stories" if explanation.retold else "deep dives of listed stories"
        )
        lines.append(f"  {explanation.folded:4} later tellings folded into earlier items ({why})")
    for note in explanation.left_out:
        lines.append(f"  left out {note}")
    if explanation.unclear:
        lines.append(f"UNCLEAR: {explanation.unclear}")
    else:
        lines.append("clear: one structure holds the items")
    return lines
