"""Built-in AI topics, users' own keywords, and matching them against digest items.

A follow is stored as a string: a built-in topic key ("chips") or "kw:<keyword>"
for a user's own keyword ("kw:karpathy").

How a keyword matches (case-insensitive, after NFKC normalisation of the text, so
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

KEYWORD_PREFIX = "kw:"
MAX_KEYWORD = 64


@dataclass(frozen=True)
class Topic:
    key: str
    label: str  # English, then " · " and a Chinese gloss
    keywords: tuple[str, ...]


def _topic(key: str, label: str, keywords: str) -> Topic:
    return Topic(key, label, tuple(k.strip() for k in keywords.split("|") if k.strip()))


# Order matters: it is the order of /topics and of the settings keyboard.
BUILTIN_TOPICS: dict[str, Topic] = {
    topic.key: topic
    for topic in (
        _topic(
            "models",
            "Models & releases · 模型与发布",
            "模型|大模型|语言模型|多模态|model|LLM|foundation model|language model|multimodal"
            "|GPT|Claude|Gemini|Llama|Qwen|通义|千问|DeepSeek|深度求索|Mistral|Grok|Kimi|GLM|智谱"
            "|文心|混元|豆包|Nemotron|checkpoint|weights|fine-tune|fine-tuning|微调"
            "|reasoning model|推理模型|新版本|model release",
        ),
        _topic(
            "agents",
            "Agents · 智能体",
            "agent|智能体|代理|多智能体|MCP|tool use|computer use|browser use|autonomous|自主"
            "|workflow|工作流|Manus|Devin|Codex|Claude Code|A2A|coding assistant|编程助手",
        ),
        _topic(
            "robotics",
            "Robotics · 机器人",
            "robot|机器人|humanoid|人形|具身|embodied|Optimus|Figure AI|Boston Dynamics|Unitree"
            "|宇树|Reachy|机械臂|robot arm|自动驾驶|self-driving|autonomous driving|Waymo|FSD"
            "|无人机|drone",
        ),
        _topic(
            "opensource",
            "Open source · 开源",
            "开源|open source|open-weight|开放权重|Hugging Face|GitHub|Apache 2.0|MIT license"
            "|Ollama|llama.cpp|vLLM|权重开放|open model",
        ),
        _topic(
            "chips",
            "Chips & compute · 芯片与算力",
            "芯片|GPU|NVIDIA|英伟达|TPU|算力|compute|H100|H200|B200|GB200|Blackwell|Rubin"
            "|数据中心|data center|AMD|昇腾|Ascend|华为芯片|semiconductor|半导体|TSMC|台积电|chip"
            "|CUDA|HBM|光刻|Cerebras|Groq|超算|supercomputer|晶圆",
        ),
        _topic(
            "funding",
            "Funding & companies · 融资与公司",
            "融资|估值|valuation|funding|fund|raised|Series A|Series B|Series C|Series D|seed round"
            "|IPO|上市|收购|并购|acquisition|acquire|merger|投资|investment|invest|investor"
            "|venture|VC|a16z|Sequoia|红杉|revenue|营收|ARR|startup|初创|创业公司|独角兽|unicorn"
            "|layoff|裁员",
        ),
        _topic(
            "policy",
            "Policy & safety · 政策与安全",
            "监管|政策|法规|法案|安全|对齐|治理|版权|隐私|诉讼|出口管制|禁令|白宫|regulation"
            "|regulator|regulatory|policy|policies|AI Act|law|lawsuit|safety|alignment"
            "|governance|copyright|privacy|deepfake|Congress|Senate|White House"
            "|executive order|export control|ban|court",
        ),
        _topic(
            "research",
            "Research papers · 研究论文",
            "论文|研究|arXiv|paper|research|researcher|benchmark|基准|数据集|dataset|NeurIPS"
            "|ICML|ICLR|CVPR|ACL|preprint|technical report|技术报告|SOTA|state of the art"
            "|study|studies|scaling law|实验|experiment",
        ),
        _topic(
            "products",
            "Products & apps · 产品与应用",
            "产品|应用|上线|推出|功能|插件|浏览器|用户|订阅|app|product|launch|feature|ChatGPT"
            "|Copilot|Perplexity|plugin|browser|iOS|Android|subscription|beta|waitlist"
            "|rolling out|rollout",
        ),
    )
}


def _normalise(text: str) -> str:
    """NFKC (full-width Latin to ASCII), trimmed, inner whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


_QUOTES = "\"'“”‘’「」『』《》`"


def parse_follow(text: str) -> str | None:
    """User text to a follow string: a built-in key when the text names a topic (its
    key, its label, the English or the Chinese part of the label), else
    "kw:<keyword>" (lower-cased, whitespace collapsed, at most 64 characters).
    None when nothing is left or only punctuation is."""
    text = _normalise(text)
    if text.lower().startswith(KEYWORD_PREFIX):
        text = text[len(KEYWORD_PREFIX) :].strip()
    text = text.strip(_QUOTES).strip()
    if not any(ch.isalnum() for ch in text):
        return None
    wanted = text.casefold()
    for topic in BUILTIN_TOPICS.values():
        names = {topic.key, topic.label, *topic.label.split(" · ")}
        if wanted in {name.casefold() for name in names}:
            return topic.key
    keyword = text.lower()[:MAX_KEYWORD].rstrip()
    return KEYWORD_PREFIX + keyword


def follow_label(follow: str) -> str:
    """Plain text (not HTML-escaped) for showing a follow to a user."""
    if follow in BUILTIN_TOPICS:
        return BUILTIN_TOPICS[follow].label
    if follow.startswith(KEYWORD_PREFIX):
        return f"“{follow[len(KEYWORD_PREFIX) :]}”"
    return follow  # a key no longer built in: show it as stored


def follow_keywords(follow: str) -> tuple[str, ...]:
    """The keywords a follow stands for; () for an unknown key."""
    if follow in BUILTIN_TOPICS:
        return BUILTIN_TOPICS[follow].keywords
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


def match_item(item: Item, follows: Iterable[str]) -> list[str]:
    """The keywords of `follows` found in the item, as written in the keyword lists
    (or the user's keyword), each once, in order of first appearance; [] when none."""
    found: dict[str, tuple[int, int, str]] = {}  # folded keyword -> (offset, order, keyword)
    for follow in sorted(follows):
        for offset, keyword in _follow_hits(item.title, item.author or "", item.summary, follow):
            folded = keyword.casefold()
            if folded not in found or offset < found[folded][0]:
                found[folded] = (offset, len(found), keyword)
    return [keyword for _, _, keyword in sorted(found.values())]
