"""Make bot/digest/fonts/DigestBotCJK-Subset.otf, the font /trends draws Chinese with.

matplotlib ships no CJK font, a slim machine or image has none, and a whole CJK font
is 16-20 MB. So the charts use a subset of Noto Sans CJK SC (SIL OFL 1.1) holding only
the characters the interface can draw: ASCII, and every character of the Chinese
catalog and of the topic names. Run this again after adding Chinese texts (a test
fails when a character of the catalog is missing from the font):

    .venv/bin/pip install noto-cjk-sans-otc      # the full font, for this script only
    .venv/bin/python tools/make_cjk_font_subset.py

The subset is renamed (OFL: a modified font does not keep the original's name).
"""

from __future__ import annotations

import importlib.resources
import string
from pathlib import Path

from babel.messages.pofile import read_po
from fontTools import subset
from fontTools.ttLib import TTCollection

from bot.digest.topics import TOPIC_NAMES

REPO = Path(__file__).resolve().parents[1]
CATALOG = REPO / "bot/i18n/locales/zh/LC_MESSAGES/messages.po"
OUT = REPO / "bot/digest/fonts/DigestBotCJK-Subset.otf"
FAMILY = "DigestBot CJK Subset"
SC_INDEX = 2  # Noto Sans CJK SC in the collection


def characters() -> str:
    wanted = set(string.printable) | set("–—·…“”‘’（）：，。！？、％＋−")
    with CATALOG.open("rb") as file:
        for message in read_po(file):
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for text in strings:
                wanted |= set(text or "")
    for names in TOPIC_NAMES.values():
        wanted |= set(names["zh"])
    return "".join(sorted(ch for ch in wanted if ch.isprintable() or ch == " "))


def main() -> None:
    source = importlib.resources.files("noto_cjk_sans_otc") / "NotoSansCJK-Regular.ttc"
    font = TTCollection(str(source)).fonts[SC_INDEX]
    options = subset.Options()
    options.name_IDs = ["*"]
    options.layout_features = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters())
    subsetter.subset(font)
    for record in font["name"].names:
        if record.nameID in (1, 3, 4, 6, 16):
            family = FAMILY.replace(" ", "") if record.nameID == 6 else FAMILY
            record.string = family if record.nameID != 4 else f"{FAMILY} Regular"
    font.save(OUT)
    print(f"{OUT.relative_to(REPO)}: {len(characters())} characters, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
