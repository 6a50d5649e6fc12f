"""Which built-in topics a digest item is about: weighted terms, read once per item.

Each topic has a table of terms with weights (TERMS below). An item is split into a
headline and a summary (see `_parts`); every term found counts once, at its weight, doubled
when it is in the headline. A topic matches when its terms add up to THRESHOLD or more, so
a strong term (weight 3) decides alone, a medium one (2) alone only in the headline, and a
weak one (1) only in company. Negative weights are terms that argue against the topic
("聊天机器人" is a chatbot, not a robot). The author is not read: a name says who wrote,
not what about.

How a term matches: Latin words case-insensitively on word boundaries, with the plural and
the usual English endings (see `_forms`), digits may follow ("GPT5"); phrases with spaces or
hyphens match any run of spaces and hyphens, or none; Chinese terms as substrings; a term
starting with "re:" is a regular expression on the lower-cased text. Link targets and
Markdown emphasis are dropped first, and the text is NFKC-folded.

Speed: the tables are compiled once into lookups keyed by a Latin word or by the first two
Chinese characters of a term, and an item's distinct words and character pairs are looked
up in them, so the cost grows with the item, not with the number of terms (bench/topics.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

THRESHOLD = 4  # points; see Hit.points


def _t(spec: str) -> tuple[tuple[str, int], ...]:
    """'3: a|b  2: c' -> ((a, 3), (b, 3), (c, 2)); a weight applies until the next one."""
    out: list[tuple[str, int]] = []
    for chunk in re.split(r"\s*(-?\d):\s*", spec.strip())[1:]:
        if chunk.lstrip("-").isdigit():
            weight = int(chunk)
            continue
        out.extend((term.strip(), weight) for term in chunk.split("|") if term.strip())
    return tuple(out)


# Regular-expression terms, each with a cheap test (on the text and its set of Latin words)
# that must pass before the expression is searched: most items never pay for them.
_FAMILIES = (  # model families, named with a version when a model is meant ("GPT-5.2")
    "gpt|claude|gemini|gemma|qwen|llama|deepseek|kimi|glm|minimax|mistral|grok|opus|sonnet"
    "|haiku|nemotron|phi|olmo|mimo|kling|veo|sora|hunyuan|ernie|flux|devstral|codestral"
    "|magistral|lyria|imagen|seedream|seedance|hailuo|wan"
)
_FAMILY_SET = frozenset(_FAMILIES.split("|"))
_VERSIONED = rf"re:(?<![a-z0-9])(?:{_FAMILIES})[ \-]?[a-z]?\d{{1,2}}(?:\.\d+)?(?![a-z0-9])"
_PARAMS = r"re:(?<![$\w.])\d+(?:\.\d+)?\s?[bmt](?:-a\d+b)?(?![\w$])(?!\s?(?:users|美元|元))"
_MONEY = (  # sums of money, not prices ("$0.25 per million tokens")
    r"re:(?:(?:\$|€|£|¥|usd\s?)\s?\d[\d.,]*+\s?(?:k|m|b|bn|billion|million|trillion|亿|万)?"
    r"|\d[\d.,]*+\s?(?:亿|万亿|万)(?:美元|元|人民币|美金))(?!\s?(?:per|/|每|一))"
)
_STAR_COUNT = r"re:⭐\s?[\d.,]+\s?k?"
_STARS = r"re:\d[\d.,]*\s?k?\s?(?:stars|星标)|\d[\d.,]*\s?(?:k|万)\s?星"
_THOUSANDS = r"re:(?<![$\d.,])\d{1,3}(?:\.\d)?k(?![a-z0-9])(?!\s?(?:users|用户|downloads))"
_RAISES = r"re:rais(?:es|ed|ing)\s+(?:a\s)?\$"
_SERIES = r"re:series [a-h]\b"
_ROUND = r"re:(?<![a-z])[a-h]\+?\s?轮"
_VENUE_WWW = r"re:www\s?20\d\d"
_BENCH = r"re:[a-z0-9\-]*bench\b"
_KILO = re.compile(r"\d+k")
_SIZE = re.compile(r"\d+[bmt]|a\d+b")
_GATES = {
    _VERSIONED: lambda text, words: any(w.rstrip("0123456789") in _FAMILY_SET for w in words),
    _PARAMS: lambda text, words: any(_SIZE.fullmatch(w) for w in words),
    _MONEY: lambda text, words: any(c in text for c in "$€£¥亿万") or "usd" in words,
    _STAR_COUNT: lambda text, words: "⭐" in text,
    _STARS: lambda text, words: "star" in text or "星" in text,
    _THOUSANDS: lambda text, words: any(_KILO.fullmatch(w) for w in words),
    _RAISES: lambda text, words: "rais" in text,
    _SERIES: lambda text, words: "series" in words,
    _ROUND: lambda text, words: "轮" in text,
    _VENUE_WWW: lambda text, words: "www" in text,
    _BENCH: lambda text, words: "bench" in text,
}

TERMS: dict[str, tuple[tuple[str, int], ...]] = {
    "models": (
        *_t(
            """
            3: new model|new models|新模型|模型发布|发布新模型|model release|system card|model card
            |open-weight model|open-weight models|开源模型|frontier model|前沿模型
            2: language model|foundation model|基础模型|基座模型|world model|世界模型|video model
            |视频模型|image model|图像模型|生成模型|TTS|语音模型|speech model|音乐生成模型
            |reasoning model|推理模型|parameters|checkpoint|fine-tune|微调|pretraining|pre-training
            |预训练|post-training|后训练|distillation|蒸馏|nano banana|context window|上下文窗口
            |ARC-AGI|SWE-bench|MMLU|SimpleBench|Arena|Elo|Flash-Lite|Deep Think|MoE
            |mixture of experts|稀疏模型|thinking levels|思维级别|technical report|技术报告
            |large model|large models
            1: model|模型|大模型|LLM|语言模型|multimodal|多模态|reasoning|推理|training|训练|tokens
            |GPT|Claude|Gemini|Qwen|DeepSeek|Llama|Mistral|Kimi|MiniMax|Grok|Whisper|weights|权重
            |参数|release|发布|能力|benchmark|基准
            """
        ),
        (_VERSIONED, 2),
        (_PARAMS, 2),
    ),
    "agents": _t(
        """
        3: MCP|coding agent|编程智能体|编码智能体|编码代理|AI agent|AI 代理|AI 智能体|multi-agent
        |多智能体|computer use|browser use|tool use|tool calling|工具调用|agentic coding
        |agent swarm|subagent|sub-agent|子代理|子智能体|context engineering|上下文工程|Agent Skills
        |Agents SDK|Agent SDK|智能体框架|agent framework
        2: agent|智能体|Claude Code|Codex|OpenClaw|Clawdbot|龙虾|Manus|Devin|Cline|Droid|LangGraph
        |AutoGen|CrewAI|A2A|harness|Antigravity|Gemini CLI|代理|副驾驶
        1: autonomous|autonomously|自主|workflow|工作流|自动化|automation|automate|tools|工具
        |sandbox|沙盒|沙箱|skills|技能|Cursor|Windsurf|vibe coding|CLI|long-running|长任务|长程
        |编排|orchestration|orchestrate
        """
    ),
    "robotics": _t(
        """
        3: robot|机器人|humanoid|人形|具身|embodied|机械臂|robot arm|自动驾驶|self-driving
        |autonomous driving|driverless|无人驾驶|robotaxi|无人出租车|Waymo|Optimus|Unitree|宇树
        |Figure AI|Boston Dynamics|VLA|FSD|drone|无人机|灵巧手|dexterous|遥操作|teleoperation
        |Reachy
        1: 物理世界|physical world|sim-to-real|仿真|simulation|manipulation|传感器|sensor|lidar
        |激光雷达
        -3: 聊天机器人|chatbot|客服机器人|机器人流程|RPA
        """
    ),
    "opensource": (
        *_t(
            """
            3: 开源|open source|open sourced|open-weight|open weights|开放权重|Apache 2.0
            |MIT license|MIT 许可|stars on github|open model|self-hosted|自托管|self-host|GitHub 上
            |github star|github stars
            2: GitHub|星标|repo|repository|仓库|gpt-oss|Ollama|llama.cpp|vLLM|ComfyUI|PyPI
            |public repository
            1: Hugging Face|HuggingFace|weights|权重|community|社区|project|项目|下载|download
            |local|本地|代码库
            -3: 闭源|closed-source|proprietary
            """
        ),
        (_STAR_COUNT, 3),
        (_STARS, 3),
        (_THOUSANDS, 2),
    ),
    "chips": _t(
        """
        3: GPU|AI 芯片|芯片公司|芯片制造|自研芯片|芯片出口|chipmaker|TPU|NPU|算力|数据中心
        |data center|data centre|datacenter|H100|H200|H20|B200|B300|GB200|GB300|Blackwell|Rubin
        |Hopper|CUDA|HBM|TSMC|台积电|semiconductor|半导体|晶圆|wafer|光刻|lithography|制程
        |process node|昇腾|Ascend|超算|supercomputer|Tensor Core|显卡|显存|VRAM|Tenstorrent
        |Cerebras|Xeon|Stargate|gigawatt|吉瓦
        2: chip|芯片|NVIDIA|英伟达|AMD|Groq|accelerator|加速器|compute|计算资源|Intel|英特尔
        1: 硬件|hardware|infrastructure|基础设施|电力|power|cluster|集群|服务器|server|inference
        |推理
        """
    ),
    "funding": (
        *_t(
            """
            3: 融资|估值|valuation|funding round|seed round|种子轮|天使轮|pre-money|post-money|投前
            |投后|IPO|港交所|聆讯|上市后|纳斯达克|Nasdaq|收购|acquire|并购|merger|ARR|年化收入
            |年化营收|年化经常性收入|财报|earnings|market cap|市值|layoff|裁员|独角兽|unicorn|capex
            |资本支出|营收|revenue
            2: acquisition|investor|投资方|投资者|investment|风投|VC|venture|Sequoia|红杉|a16z
            |SoftBank|软银|strategic partnership|战略合作|合作伙伴|partnership|股价|shares|A股|港股
            |概念股|亏损|net loss|收入|盈利|deal|spending
            1: 投资|invest|startup|初创|创业公司|合作|协议|agreement|上市|公司|company|billion|亿
            |million|资本|capital|市场|market|stock|profit|利润
            """
        ),
        (_RAISES, 3),
        (_SERIES, 3),
        (_ROUND, 3),
        (_MONEY, 2),
    ),
    "policy": _t(
        """
        3: 安全漏洞|漏洞挖掘|代码漏洞|渗透测试|penetration testing|pentest|data breach|data leak
        |暴露在公网|监管|regulation|regulator|regulatory|法案|AI Act|lawsuit|诉讼|起诉|sued|court
        |法院|Supreme Court|copyright|版权|export control|出口管制|禁令|Pentagon|五角大楼
        |Department of War|Department of Defense|国防部|military|军事|White House|白宫|Congress
        |国会|Senate|参议院|executive order|行政令|AI alignment|AI 对齐|misalignment|对齐问题
        |alignment research|对齐研究|对齐工具|AI safety|AI 安全|jailbreak|越狱|vulnerability
        |vulnerabilities|CVE|exploit|malware|恶意软件|phishing|deepfake|深度伪造|red team|红队
        |supply chain risk|供应链风险|法律行动|legal action|legal requests|harassment|骚扰
        |misinformation|虚假信息|fake news|假新闻|安全风险|security risk|security flaws|攻击|RCE
        |remote code execution
        2: 数据泄露|privacy|隐私|漏洞|政府|government|policy|policies|政策|law|法律|法规|ban
        |compliance|合规|governance|治理|alignment|attack|safety|security|安全性|bias|偏见
        |interpretability|可解释性|harm|危害|DevSecOps|security scanning|legal|政界|politicians
        |policymakers|政策制定者
        1: 安全|禁止|prohibited|misuse|滥用|trust|信任|transparency|透明|welfare|福利|social|社会
        |jobs|就业|风险|risk|对齐|ethics|ethical|伦理|monitoring|监控|honest|诚实|controllable|可控
        """
    ),
    "research": (
        *_t(
            """
            3: 论文|paper|arXiv|preprint|预印本|technical report|技术报告|NeurIPS|ICLR|ICML|CVPR
            |ECCV|ICCV|ACL|EMNLP|NAACL|AAAI|IJCAI|KDD|AISTATS|best paper|研究发现|研究表明|研究显示
            |study finds|研究人员|研究团队|research team|new study|a study|this study|the study
            |survey|调研|调查|findings|new benchmark|新基准|dataset|数据集|scaling law
            |published research|new research|研究成果|一项研究
            2: researcher|研究员|研究者|research|study|实验|report|报告|新方法|new method|proposes
            |提出了|experiment|university|大学|学院|Berkeley|Stanford|CMU|MIT|laboratory|AUC
            |强化学习|reinforcement learning|GRPO|Science|Nature|Cell|physics|物理学
            1: 研究|评测|evaluation|evals|benchmark|基准测试|复现|reproduce|SOTA|state of the art
            |framework|框架|分析|analysis|方法|method|准确率|accuracy|理论|theoretical|数学|math
            |发现|found|discovered|评估
            """
        ),
        (_VENUE_WWW, 3),
        (_BENCH, 2),
    ),
    "products": _t(
        """
        3: App Store|应用商店|NotebookLM|gift card|礼品卡|Gemini app|Gemini 应用|Sora app
        |ChatGPT app|ChatGPT apps|App Directory|rolling out|rollout|rolls out|waitlist|新功能
        |new feature|订阅|subscription|subscriber|会员|Studio Display|企业版|Pro plan|付费用户
        |paid users|now available|正式上线
        2: iPad|MacBook|iPhone|app|beta|内测|公测|封测|ChatGPT|Copilot|Perplexity|Cursor|Windsurf
        |TRAE|Midjourney|Gmail|YouTube|WhatsApp|谷歌翻译|Google Translate|Workspace|Chrome|插件
        |plugin|extension|耳机|glasses|眼镜|手机|phone|使用技巧|新增|现支持|now supports|now lets
        |adds support|tips|教程|tutorial|playbook|Claude Desktop|claude.ai|桌面端|移动端
        |desktop app|网页版|AI 助手|AI assistant|编码助手|coding assistant|编程工具|coding tool
        1: 免费|free|功能|feature|上线|launch|推出|update|更新|升级|integrates|integration|集成
        |接入|可用|available|Studio|CLI|desktop|桌面|体验|experience|工具|tool|用户|users|产品
        |product|浏览器|browser|设备|device|指南|guide|enterprise|Ultra|助手|assistant|iOS|Android
        |pricing|定价|价格|price
        -1: model|模型|API|paper|论文
        """
    ),
}


HEADLINE, LEAD, BODY = 0, 1, 2  # where in an item a term was found; see _parts
# Points of a term by its weight (3 strong, 2 medium, 1 weak) and place. Weak terms add up
# to 2 at most, so they only ever top up a stronger one.
_POINTS = {3: (4, 4, 2), 2: (4, 2, 1), 1: (2, 1, 0)}  # weak ones: see score()


@dataclass(frozen=True)
class Hit:
    topic: str
    term: str  # as written in TERMS (a regex term: the text it matched)
    weight: int  # 3 strong, 2 medium, 1 weak; negative: against the topic
    place: int  # HEADLINE, LEAD or BODY

    @property
    def points(self) -> int:
        value = _POINTS[min(abs(self.weight), 3)][self.place]
        return value if self.weight > 0 else -value


def score(hits: list[Hit] | tuple[Hit, ...]) -> int:
    """The points of the hits, where weak terms add 2 when one is in the headline and 1
    when one is in the lead, 2 at most: they only ever top up a stronger term."""
    weak = {h.place for h in hits if h.weight == 1}
    return sum(h.points for h in hits if h.weight != 1) + min(
        2, 2 * (HEADLINE in weak) + (LEAD in weak)
    )


# ---- compiling the tables ----------------------------------------------------------------

_LATIN_ALNUM = "a-z0-9\u00c0-\u024f"
_WORD = re.compile(f"[{_LATIN_ALNUM}]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_LATIN_CHAR = re.compile(f"[{_LATIN_ALNUM}]")
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+")
_LONG_ENDINGS = ("", "s", "es", "d", "ed", "ing", "ic", "ics")


def _forms(word: str) -> tuple[str, ...]:
    """The spellings a one-word Latin term matches: a plural "s" for words of three
    characters or fewer ("GPU"/"GPUs", but "AI" never "aid"), the usual English endings
    for longer ones ("agent"/"agentic", "acquire"/"acquired")."""
    if word[-1].isdigit() or len(word) <= 3:
        return (word, word + "s")
    return tuple(word + ending for ending in _LONG_ENDINGS)


@dataclass(frozen=True)
class _Rule:
    topic: str
    term: str
    weight: int
    regex: re.Pattern[str] | None = None  # phrases and "re:" terms
    boundary: bool = False  # a phrase starting with a Latin letter: not inside a word


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _compile() -> tuple[dict, dict, list, list]:
    by_word: dict[str, list[tuple[_Rule, bool]]] = {}  # form -> (rule, digits may follow)
    by_pair: dict[str, list[tuple[_Rule, str]]] = {}  # first two CJK chars -> (rule, needle)
    gated: list[tuple[str, _Rule]] = []  # (a word or pair that must be present, phrase)
    tested: list[tuple[Callable[[str, set[str]], bool], _Rule]] = []  # (its test, "re:" term)
    for topic, terms in TERMS.items():
        covered: set[str] = set()  # its word forms and phrase patterns: no term twice
        for term, weight in terms:
            if term.startswith("re:"):
                tested.append((_GATES[term], _Rule(topic, term, weight, re.compile(term[3:]))))
                continue
            folded = " ".join(_fold(term).split())
            if _WORD.fullmatch(folded):
                if covered.intersection(_forms(folded)):  # "GPUs" after "GPU"
                    raise ValueError(f"{topic}: {term!r} twice")
                covered.update(_forms(folded))
                for form in _forms(folded):
                    by_word.setdefault(form, []).append(
                        (_Rule(topic, term, weight), not folded[-1].isdigit())
                    )
            elif len(folded) == 1 and _CJK.match(folded):  # "亿": a plain substring
                rule = _Rule(topic, term, weight, re.compile(re.escape(folded)))
                tested.append((lambda text, words, char=folded: char in text, rule))
            elif _CJK.match(folded) and len(folded) >= 2 and _CJK.match(folded[1]):
                if re.search(r"[\s\-]", folded):
                    raise ValueError(f"Chinese term with a space: {term!r}")
                if folded in covered:
                    raise ValueError(f"{topic}: {term!r} twice")
                covered.add(folded)
                by_pair.setdefault(folded[:2], []).append((_Rule(topic, term, weight), folded))
            else:
                pieces = [re.escape(p) for p in re.split(r"[\s\-]+", folded) if p]
                body = r"[\s\-]*".join(pieces)
                # A literal start lets the regex engine skip ahead; the word boundary
                # before it is checked by hand (_search).
                boundary = re.match(f"[{_LATIN_ALNUM}]", folded) is not None
                end = f"s?(?![{_LATIN_ALNUM}])" if re.search(f"[{_LATIN_ALNUM}]$", folded) else ""
                if body + end in covered:
                    raise ValueError(f"{topic}: {term!r} twice")
                covered.add(body + end)
                rule = _Rule(topic, term, weight, re.compile(body + end), boundary)
                first = _WORD.match(folded)
                gate = first.group() if first else folded[:2]
                if not first and not _CJK_RUN.fullmatch(gate):
                    raise ValueError(f"no Latin word or two Chinese characters first: {term!r}")
                gated.append((gate, rule))
    return by_word, by_pair, gated, tested


_BY_WORD, _BY_PAIR, _GATED, _TESTED = _compile()


def _search(rule: _Rule, text: str) -> re.Match[str] | None:
    for match in rule.regex.finditer(text):
        at = match.start()
        if not rule.boundary or at == 0 or not _LATIN_CHAR.match(text[at - 1]):
            return match
    return None


_TRAILING_DIGITS = re.compile(r"^([a-z\u00c0-\u024f]+)\d+$")


# ---- reading an item ---------------------------------------------------------------------

_LINK_TARGET = re.compile(r"\]\([^)\s]*\)|https?://\S+")
_EMPHASIS = re.compile(r"\*\*|__|`")


def _clean(text: str) -> str:
    return _fold(_EMPHASIS.sub("", _LINK_TARGET.sub("]", text)))


_SENTENCE_END = re.compile(r"[。！？!?;；]|\.(?=\s)|\n")
LEAD_MIN, LEAD_MAX = 200, 400  # characters of a summary that count as its lead


def _parts(title: str, summary: str) -> tuple[str, str, str]:
    """(headline, lead, body). The title is the headline, except where a layout puts a
    score there ("92") and the real headline is the summary's first line; a summary that
    starts by repeating the title does not count it twice. The lead is the summary up to
    the first sentence end after LEAD_MIN characters (LEAD_MAX at most): long summaries
    wander ("my take: ...") and what they mention on the way counts less."""
    title, summary = title.strip(), summary.strip()
    if not any(ch.isalpha() for ch in title):
        title, _, summary = summary.partition("\n")
    else:
        stem = title.rstrip("…").rstrip(".").strip()
        if stem and summary.startswith(stem):
            summary = summary[len(stem) :]
    if len(summary) <= LEAD_MAX:
        return title, summary, ""
    end = _SENTENCE_END.search(summary, LEAD_MIN, LEAD_MAX)
    cut = end.end() if end else LEAD_MAX
    return title, summary[:cut], summary[cut:]


def _found(text: str) -> dict[tuple[str, str], int]:
    """(topic, term) -> weight for every term present in an already cleaned text."""
    hits: dict[tuple[str, str], int] = {}
    words = set(_WORD.findall(text))
    for word in words:
        for rule, _ in _BY_WORD.get(word, ()):
            hits[(rule.topic, rule.term)] = rule.weight
        stem = _TRAILING_DIGITS.match(word)
        if stem:  # "gpt5" is "gpt" with a version
            for rule, digits_ok in _BY_WORD.get(stem.group(1), ()):
                if digits_ok:
                    hits[(rule.topic, rule.term)] = rule.weight
    pairs = {run[i : i + 2] for run in _CJK_RUN.findall(text) for i in range(len(run) - 1)}
    for pair in pairs:
        for rule, needle in _BY_PAIR.get(pair, ()):
            if (rule.topic, rule.term) not in hits and needle in text:
                hits[(rule.topic, rule.term)] = rule.weight
    for gate, rule in _GATED:
        if (
            (gate in words or gate in pairs)
            and (rule.topic, rule.term) not in hits
            and _search(rule, text)
        ):
            hits[(rule.topic, rule.term)] = rule.weight
    for test, rule in _TESTED:
        if (rule.topic, rule.term) not in hits and test(text, words) and rule.regex.search(text):
            hits[(rule.topic, rule.term)] = rule.weight
    return hits


def _shown(term: str, text: str) -> str:
    """How a term is shown in an explanation: as written, a regex by what it matched."""
    if term.startswith("re:"):
        match = re.search(term[3:], text)
        return match.group().strip() if match else term
    return term


@lru_cache(maxsize=32768)
def topic_hits(title: str, summary: str) -> dict[str, tuple[Hit, ...]]:
    """Built-in topic key -> the hits that decided it (strongest first), for the topics
    whose score reaches THRESHOLD, in TERMS order."""
    texts = [_clean(part) for part in _parts(title, summary)]
    found = [_found(text) if text else {} for text in texts]
    by_topic: dict[str, list[Hit]] = {}
    for key in {k for place in found for k in place}:
        topic, term = key
        place = next(p for p in (HEADLINE, LEAD, BODY) if key in found[p])
        shown = _shown(term, texts[place])
        by_topic.setdefault(topic, []).append(Hit(topic, shown, found[place][key], place))
    result: dict[str, tuple[Hit, ...]] = {}
    for topic in TERMS:
        hits = by_topic.get(topic, [])
        if score(hits) >= THRESHOLD:
            hits.sort(key=lambda h: (-h.points, h.place, h.term))
            result[topic] = tuple(hits)
    return result


def explain(hits: tuple[Hit, ...]) -> str:
    """'headline: "GPU", summary: "算力", "数据中心"'; terms against it after "less:"."""
    parts = []
    for label, chosen in (
        ("headline", [h for h in hits if h.place == HEADLINE and h.points > 0]),
        ("summary", [h for h in hits if h.place != HEADLINE and h.points > 0]),
        ("less", [h for h in hits if h.points < 0]),
    ):
        if chosen:
            parts.append(f"{label}: " + ", ".join(f'"{h.term}"' for h in chosen))
    return ", ".join(parts)


def classify(title: str, author: str | None, summary: str) -> dict[str, str]:
    """Built-in topic key -> a short plain-text explanation of what decided; {} when the
    item is about none of them. `author` is not read (see the module docstring)."""
    del author
    return {topic: explain(hits) for topic, hits in topic_hits(title, summary).items()}
