"""Built-in AI topics, users' own keywords, and matching them against digest items.

The nine built-in topics are defined here (TOPIC_DEFINITIONS: what an item must be about,
in English and Chinese); whether an item is about one is decided by classify() from
bot/digest/topic_model.py (a linear model over the item's words, characters and what the
weighted terms of bot/digest/topic_rules.py find, trained on hand labels by
tools/train_topics.py, with an explanation of what decided).

A follow is stored as a string: a built-in topic key ("chips") or "kw:<keyword>"
for a user's own keyword ("kw:karpathy").

How an own keyword matches (case-insensitive, after NFKC normalisation of the text, so
full-width "ＧＰＵ" counts as "GPU"):
- An end of a keyword that is a Latin letter or digit must sit on a word boundary,
  judged against Latin letters and digits only, so Latin keywords match inside
  Chinese text ("用GPU训练" matches "GPU") but not inside other Latin words
  ("AI" never matches "said", "GPT" does not match inside "ChatGPT").
- A Latin keyword may carry an English inflection: keywords of 3 characters or
  fewer take only a plural "s" ("GPUs", "LLMs"; "AI" does not match "aid"),
  longer ones also s/es/d/ed/ing/ic/ics ("agent" matches "agents" and
  "agentic", "robot" matches "robotics", "release" matches "released").
  This is a whole-word match with inflections, not a prefix match: "Meta"
  does not match "metadata".
- After a keyword ending in a letter a digit may follow: model names carry
  versions ("GPT5.2", "Qwen3").
- Spaces and hyphens inside a keyword match any run of spaces and hyphens, or
  none: "open source" matches "open-sourced" and "opensource".
- Chinese (or any non-Latin) keywords match as plain substrings: "芯片" matches
  "AI芯片公司".
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from bot.digest.models import Item
from bot.digest.topic_model import classify

__all__ = [
    "MAX_KEYWORD",
    "MAX_KEYWORDS_PER_CHAT",
    "TOPIC_DEFINITIONS",
    "TOPIC_KEYS",
    "TOPIC_NAMES",
    "check_keyword",
    "classify",
    "follow_keywords",
    "item_marks",
    "keyword_matches",
    "keyword_pattern",
    "parse_follow",
    "topic_name",
]

KEYWORD_PREFIX = "kw:"
# A chat's follows also hold its muted words and its choices of sources.
MUTE_PREFIX = "mute:"
SOURCE_ON, SOURCE_OFF = "source:on:", "source:off:"
NOT_TOPICS = (MUTE_PREFIX, "source:")
MAX_MUTES_PER_CHAT = 50
MAX_KEYWORD = 64  # characters of an own keyword
MAX_KEYWORDS_PER_CHAT = 50


TOPIC_KEYS: tuple[str, ...] = (
    "models",
    "agents",
    "robotics",
    "opensource",
    "chips",
    "funding",
    "policy",
    "research",
    "products",
)  # display order: /topics and the settings keyboard

TOPIC_NAMES: dict[str, dict[str, str]] = {
    "models": {"en": "Models & releases", "zh": "模型与发布"},
    "agents": {"en": "Agents", "zh": "智能体"},
    "robotics": {"en": "Robotics", "zh": "机器人"},
    "opensource": {"en": "Open source", "zh": "开源"},
    "chips": {"en": "Chips & compute", "zh": "芯片与算力"},
    "funding": {"en": "Funding & companies", "zh": "融资与公司"},
    "policy": {"en": "Policy & safety", "zh": "政策与安全"},
    "research": {"en": "Research papers", "zh": "研究论文"},
    "products": {"en": "Products & apps", "zh": "产品与应用"},
}

# What an item must be about to belong to a topic. These are the definitions the labels in
# tests/fixtures/topic_labels.tsv were judged by, and what /topics may show; the classifier
# that approximates them is bot/digest/topic_model.py. An item may have several topics or none.
TOPIC_DEFINITIONS: dict[str, dict[str, str]] = {
    "models": {
        "en": "An AI model itself is the subject: a new model or version (language, image, "
        "video, speech or multimodal), what it can do, how it scores or compares, or how "
        "models are built and trained. A product that merely uses a model does not count.",
        "zh": "条目的主体是 AI 模型本身：新模型或新版本（语言、图像、视频、语音或多模态）、"
        "它能做什么、评测成绩与比较，或模型如何构建和训练。只是用到某个模型的产品不算。",
    },
    "agents": {
        "en": "AI that carries out multi-step tasks on its own: agents and coding agents, "
        "computer and browser use, tool calling, agent frameworks, skills and protocols "
        "such as MCP, multi-agent systems.",
        "zh": "自主完成多步任务的 AI：智能体与编程智能体、操控电脑和浏览器、工具调用、"
        "智能体框架、技能与 MCP 等协议、多智能体系统。",
    },
    "robotics": {
        "en": "Machines that act in the physical world: robots and humanoids, robot arms, "
        "embodied AI and robot learning, self-driving vehicles and drones.",
        "zh": "在物理世界中行动的机器：机器人与人形机器人、机械臂、具身智能与机器人学习、"
        "自动驾驶汽车和无人机。",
    },
    "opensource": {
        "en": "Something released in the open: open-weight models, open-source code, tools "
        "and libraries (a public repository counts), open datasets, and news about "
        "open-source projects and communities.",
        "zh": "以开放方式发布的东西：开放权重的模型、开源代码、工具和库（公开的代码仓库也算）、"
        "开放数据集，以及开源项目与社区的消息。",
    },
    "chips": {
        "en": "The hardware AI runs on: chips and accelerators (GPUs, TPUs, NPUs), chipmakers, "
        "data centres, compute capacity and its supply, GPU software such as CUDA, and chip "
        "manufacturing and trade.",
        "zh": "AI 运行所依赖的硬件：芯片与加速器（GPU、TPU、NPU）、芯片厂商、数据中心、"
        "算力规模与供应、CUDA 等 GPU 软件栈，以及芯片制造与贸易。",
    },
    "funding": {
        "en": "Money and deals of companies: funding rounds, valuations, investments and "
        "spending plans, acquisitions and mergers, IPOs and share prices, revenue and "
        "results, partnerships between companies, layoffs.",
        "zh": "公司的资金与交易：融资、估值、投资与支出计划、收购与合并、上市与股价、"
        "营收与财报、公司间的合作、裁员。",
    },
    "policy": {
        "en": "Rules and risks: laws, regulation and government action, courts and lawsuits, "
        "copyright and privacy, military use, export controls; AI safety and alignment, "
        "misuse, jailbreaks and harm; security vulnerabilities and attacks.",
        "zh": "规则与风险：法律、监管与政府行动、法院与诉讼、版权与隐私、军事用途、出口管制；"
        "AI 安全与对齐、滥用、越狱与危害；安全漏洞与攻击。",
    },
    "research": {
        "en": "New findings from research: papers, preprints and technical reports, studies, "
        "surveys and experiments, new methods, and benchmarks or datasets that measure AI.",
        "zh": "研究得出的新发现：论文、预印本与技术报告、研究、调查与实验、新方法，"
        "以及衡量 AI 的基准和数据集。",
    },
    "products": {
        "en": "Something people or businesses can use is launched or changed: apps, features, "
        "devices, services, subscriptions and prices, AI added to existing products, and "
        "how to use them. A model release alone, or a code library, does not count.",
        "zh": "人们或企业可以使用的东西上线或变化：应用、功能、设备、服务、订阅与价格、"
        "现有产品接入 AI，以及如何使用它们。仅发布模型或代码库不算。",
    },
}


def _normalise(text: str) -> str:
    """NFKC (full-width Latin to ASCII), trimmed, inner whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


_QUOTES = "\"'“”‘’「」『』《》`"


def parse_follow(text: str) -> str | None:
    """User text to a follow string: a built-in key when the text names a topic (its
    key, its English or Chinese name, or both as in its label), else "kw:<keyword>"
    (lower-cased, whitespace collapsed, at most 64 characters). None when nothing is
    left or only punctuation is. Whether an own keyword is acceptable: check_keyword."""
    text = _strip_keyword(_normalise(text))
    if not any(ch.isalnum() for ch in text):
        return None
    wanted = text.casefold()
    for key in TOPIC_KEYS:
        label = f"{TOPIC_NAMES[key]['en']} · {TOPIC_NAMES[key]['zh']}"
        names = {key, label, *TOPIC_NAMES[key].values()}
        if wanted in {name.casefold() for name in names}:
            return key
    return KEYWORD_PREFIX + own_keyword(text)


def own_keyword(text: str) -> str:
    """Text as an own keyword (or muted word): lower-cased, at most 64 characters."""
    return _strip_keyword(_normalise(text)).lower()[:MAX_KEYWORD].rstrip()


def _strip_keyword(text: str) -> str:
    if text.lower().startswith(KEYWORD_PREFIX):
        text = text[len(KEYWORD_PREFIX) :].strip()
    return text.strip(_QUOTES).strip()


_SEPARATORS = (",", "|", ":", "\n", "\r")  # used in stored profile keys and lists


def check_keyword(text: str) -> str | None:
    """None when `text` is acceptable as a user's own keyword (as parse_follow reads it),
    else why not: "separator" (contains , | : or a line break), "no_letters" (no letter or
    digit), "too_short" (one Latin letter or digit: "a" is in almost every English item),
    "too_long" (over MAX_KEYWORD characters). Anything else (emoji with text, HTML,
    search syntax) is kept and matched as plain text."""
    if any(sep in text for sep in ("\n", "\r")):
        return "separator"
    keyword = _strip_keyword(_normalise(text))
    if any(sep in keyword for sep in _SEPARATORS):
        return "separator"
    if not any(ch.isalnum() for ch in keyword):
        return "no_letters"
    if len(keyword) == 1 and _is_latin_alnum(keyword):
        return "too_short"
    if len(keyword) > MAX_KEYWORD:
        return "too_long"
    return None


def follow_keywords(follow: str) -> tuple[str, ...]:
    """The keyword of an own-keyword follow ("kw:<keyword>"); () for anything else."""
    if follow.startswith(KEYWORD_PREFIX):
        keyword = follow[len(KEYWORD_PREFIX) :].strip()
        return (keyword,) if keyword else ()
    return ()


_LATIN = "A-Za-z\u00c0-\u024f"  # letters that make up Latin words (ASCII and accented)
_LATIN_ALNUM = _LATIN + "0-9"
_SHORT_TAIL = "s?"
_LONG_TAIL = "(?:s|es|d|ed|ing|ic|ics)?"


def _is_latin_alnum(ch: str) -> bool:
    return (ch.isascii() and ch.isalnum()) or "\u00c0" <= ch <= "\u024f"


def keyword_pattern(keyword: str) -> str:
    """The regular expression (without flags) for one keyword; see the module docstring."""
    keyword = _normalise(keyword)
    pieces = [re.escape(piece) for piece in re.split(r"[\s\-]+", keyword) if piece]
    body = r"[\s\-]*".join(pieces)
    start = f"(?<![{_LATIN_ALNUM}])" if _is_latin_alnum(keyword[0]) else ""
    last = keyword[-1]
    if (last.isascii() and last.isalpha()) or "\u00c0" <= last <= "\u024f":
        tail = (_SHORT_TAIL if len(keyword) <= 3 else _LONG_TAIL) + f"(?![{_LATIN}])"
    elif last.isascii() and last.isdigit():
        tail = f"s?(?![{_LATIN_ALNUM}])"
    else:
        tail = ""
    return start + body + tail


# Matching runs once per item and profile in a fan-out, so it must be cheap:
# - each item is indexed once (its Latin words, its pairs of Chinese characters), and a
#   keyword is looked up in that index instead of scanning the text with a regex
#   (~75 µs per keyword on a 2 KB item); only keywords of several words or with
#   punctuation use their regex, and only when their first word is present;
# - results are cached per (item, follow), so profiles sharing a follow share the work.

_WORD = re.compile(f"[{_LATIN_ALNUM.lower()}]+")
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+")
_INFLECTIONS = ("", "s", "es", "d", "ed", "ing", "ic", "ics")


@dataclass(frozen=True)
class _Keyword:
    keyword: str  # as written in the list, or the user's keyword
    kind: str  # "word": one Latin word; "text": a plain substring; "regex": anything else
    needle: str  # lower-cased: the word, the substring, or the first word of a regex
    regex: re.Pattern[str] | None = None
    pair: str = ""  # "text": its first two characters when both are Chinese, a pre-check
    endings: tuple[str, ...] = ("",)  # "word": the inflections it may carry
    digits_may_follow: bool = False  # "word": GPT5, Qwen3


@lru_cache(maxsize=4096)
def _compile_keyword(keyword: str) -> _Keyword:
    normal = _normalise(keyword).lower()
    pattern = keyword_pattern(normal)
    if _WORD.fullmatch(normal):
        if normal[-1].isdigit():
            return _Keyword(keyword, "word", normal, endings=("", "s"))
        endings = ("", "s") if len(normal) <= 3 else _INFLECTIONS
        return _Keyword(keyword, "word", normal, endings=endings, digits_may_follow=True)
    if pattern == re.escape(normal):
        pair = normal[:2] if len(normal) >= 2 and _CJK_RUN.fullmatch(normal[:2]) else ""
        return _Keyword(keyword, "text", normal, pair=pair)
    first = _WORD.match(normal)
    return _Keyword(keyword, "regex", first.group() if first else "", re.compile(pattern))


_URL = re.compile(r"\]\([^)\s]*\)|https?://\S+")


@dataclass(frozen=True)
class _ItemIndex:
    text: str  # lower-cased title, author and summary, NFKC, link targets removed
    words: tuple[str, ...]  # distinct Latin words, sorted
    first_at: dict[str, int]  # word -> offset of its first occurrence
    pairs: frozenset[str]  # every two adjacent Chinese/Japanese/Korean characters


@lru_cache(maxsize=4096)
def _index(title: str, author: str, summary: str) -> _ItemIndex:
    # A URL containing "nvidia" is not news about NVIDIA: link targets are left out.
    text = "\n".join((title, author, summary))
    text = unicodedata.normalize("NFKC", _URL.sub("]", text)).lower()
    first_at: dict[str, int] = {}
    for match in _WORD.finditer(text):
        first_at.setdefault(match.group(), match.start())
    pairs = {run[i : i + 2] for run in _CJK_RUN.findall(text) for i in range(len(run) - 1)}
    return _ItemIndex(text, tuple(sorted(first_at)), first_at, frozenset(pairs))


def _word_at(keyword: _Keyword, index: _ItemIndex) -> int | None:
    """Where a one-word Latin keyword first occurs (with an allowed inflection)."""
    needle, words = keyword.needle, index.words
    best = None
    at = bisect_left(words, needle)
    while at < len(words) and words[at].startswith(needle):
        rest = words[at][len(needle) :]
        for ending in keyword.endings:
            after = rest[len(ending) :]
            if rest.startswith(ending) and (
                not after or (keyword.digits_may_follow and after[0].isdigit())
            ):
                offset = index.first_at[words[at]]
                best = offset if best is None else min(best, offset)
                break
        at += 1
    return best


def _keyword_at(keyword: _Keyword, index: _ItemIndex) -> int | None:
    if keyword.kind == "word":
        return _word_at(keyword, index)
    if keyword.kind == "text":
        if keyword.pair and keyword.pair not in index.pairs:
            return None
        offset = index.text.find(keyword.needle)
        return offset if offset >= 0 else None
    if keyword.needle:  # its first word must be there (as a word or a word's start)
        at = bisect_left(index.words, keyword.needle)
        if at == len(index.words) or not index.words[at].startswith(keyword.needle):
            return None
    assert keyword.regex is not None  # kind "regex"
    match = keyword.regex.search(index.text)
    return match.start() if match else None


@lru_cache(maxsize=1024)
def _compile_follow(follow: str) -> tuple[_Keyword, ...]:
    return tuple(_compile_keyword(keyword) for keyword in follow_keywords(follow))


# Keyed by the item's texts, not the Item: hashing an Item hashes all its links.
@lru_cache(maxsize=32768)
def _follow_hits(title: str, author: str, summary: str, follow: str) -> tuple[tuple[int, str], ...]:
    """(offset, keyword) for each keyword of one follow found in an item."""
    index = _index(title, author, summary)
    hits = []
    for keyword in _compile_follow(follow):
        offset = _keyword_at(keyword, index)
        if offset is not None:
            hits.append((offset, keyword.keyword))
    return tuple(hits)


def topic_name(follow: str, lang: str) -> str:
    """A built-in topic's name in `lang` ("en" or "zh"); a keyword as itself."""
    if follow.startswith(KEYWORD_PREFIX):
        return follow[len(KEYWORD_PREFIX) :]
    names = TOPIC_NAMES.get(follow)
    return names.get(lang, names["en"]) if names else follow


def item_marks(item: Item, follows: Iterable[str], lang: str) -> list[str]:
    """What the 🔔 mark of an item says for a chat: the names of its followed topics the
    item is about (decided when it was stored: item.topics), then the chat's own
    keywords found in it, as typed. [] when none."""
    follows = set(follows)
    marks = [topic_name(key, lang) for key in TOPIC_KEYS if key in follows and key in item.topics]
    for follow in sorted(f for f in follows if f.startswith(KEYWORD_PREFIX)):
        keyword = follow[len(KEYWORD_PREFIX) :]
        if keyword_matches(item.title, item.author, item.summary, keyword):
            marks.append(keyword)
    return marks


def keyword_matches(title: str, author: str | None, summary: str, keyword: str) -> bool:
    """Whether a user's own keyword occurs in an item (see the module docstring: plain
    text, case-insensitive, NFKC-folded, Latin ends on word boundaries)."""
    keyword = _normalise(keyword)
    if not keyword:
        return False
    return bool(_follow_hits(title, author or "", summary, KEYWORD_PREFIX + keyword.lower()))


def is_muted(item: Item, mutes: Iterable[str]) -> bool:
    """Whether an item contains one of a chat's muted words (matched as own keywords)."""
    return any(keyword_matches(item.title, item.author, item.summary, word) for word in mutes)
