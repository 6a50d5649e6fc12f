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


@dataclass(frozen=True)
class _Matcher:
    regex: re.Pattern[str] | None
    keywords: tuple[str, ...]  # group i+1 of regex is keywords[i]


@lru_cache(maxsize=1024)
def compile_follows(follows: frozenset[str]) -> _Matcher:
    """One regex for a set of follows, a named group per distinct keyword."""
    seen: set[str] = set()
    keywords: list[str] = []
    for follow in sorted(follows):
        for keyword in follow_keywords(follow):
            folded = _normalise(keyword).casefold()
            if folded and folded not in seen:
                seen.add(folded)
                keywords.append(keyword)
    if not keywords:
        return _Matcher(None, ())
    # Longer keywords first, so "open source" wins over "open" at the same place.
    ordered = sorted(keywords, key=lambda k: -len(k))
    alternatives = "|".join(f"({keyword_pattern(k)})" for k in ordered)
    return _Matcher(re.compile(alternatives, re.IGNORECASE), tuple(ordered))


_URL = re.compile(r"\]\([^)\s]*\)|https?://\S+")


@lru_cache(maxsize=4096)
def _item_text(item: Item) -> str:
    """What matching looks at: title, author and summary, without link targets
    (a URL containing "nvidia" is not news about NVIDIA)."""
    text = "\n".join((item.title, item.author or "", item.summary))
    return unicodedata.normalize("NFKC", _URL.sub("]", text))


def match_item(item: Item, follows: Iterable[str]) -> list[str]:
    """The keywords of `follows` found in the item, as written in the keyword lists
    (or the user's keyword), each once, in order of first appearance; [] when none."""
    if not isinstance(follows, frozenset):
        follows = frozenset(follows)
    if not follows:
        return []
    matcher = compile_follows(follows)
    if matcher.regex is None:
        return []
    found: list[str] = []
    for match in matcher.regex.finditer(_item_text(item)):
        keyword = matcher.keywords[match.lastindex - 1]
        if keyword not in found:
            found.append(keyword)
    return found
