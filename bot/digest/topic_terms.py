"""The term tables of the built-in topics (read by bot/digest/topic_rules.py).

TERMS: topic -> (term, weight). Weights: 3 strong (decides alone, wherever it is), 2
medium (decides alone in the headline, else needs company), 1 weak (only ever tops up a
stronger term), negative: argues against the topic. How a term matches is described in
topic_rules.py; a one-word Latin term written with a trailing "=" takes no endings but a
plural "s" ("court=" is not "courting"). A term listed twice for a topic is an error.

The terms approximate TOPIC_DEFINITIONS (bot/digest/topics.py); they were chosen on the
tuning part of tests/fixtures/topic_labels.tsv only (bench/topics.py keeps the held-out
files apart).
"""

from __future__ import annotations

import re
from collections.abc import Callable


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
_THOUSANDS = r"re:(?<![$\d.,a-z])\d{1,3}(?:\.\d)?k(?![a-z0-9])(?!\s?(?:users|用户|downloads))"
_RAISES = r"re:rais(?:es|ed|ing)\s+(?:a\s)?\$"
_SERIES = r"re:series [a-h]\b"
_ROUND = r"re:(?<![a-z])[a-h]\+?\s?轮"
_VENUE_WWW = r"re:www\s?20\d\d"
_BENCH = r"re:[a-z0-9\-]*bench\b"
_STAR_LEAD = r"re:^\d{1,3}(?:\.\d)?k\.(?=\s)"  # "21.3k. A tool that ..." (stars first)
_CODEX_MODEL = r"re:gpt-?[\d.]+-codex"  # the model, not the agent
_NEW_BENCH = r"re:new (?:[a-z\-]+ ){0,2}benchmark|新[\u4e00-\u9fff]{0,4}基准"
_SUFFIXED = (  # a family with a kind of model after it: "Qwen-Image-Layered", "GPT-OSS"
    rf"re:(?<![a-z0-9])(?:{_FAMILIES})-(?:image|vl|coder|omni|audio|tts|asr|oss|math|embedding"
    r"|reranker|flash|mini|nano|turbo|video|vision|thinking|instruct|base)(?![a-z])"
)
_RELEASED_MODEL = (  # "released a new image model", "发布了 NitroGen 模型"
    r"re:(?:releas|launch|introduc|unveil|announc|ship)\w*\s(?:[\w\-.]+\s){0,4}models?\b"
    r"|(?:发布|推出|开源)了?[^，。；、\s]{0,12}模型"
)
_KILO = re.compile(r"\d+k")
_SIZE = re.compile(r"\d+[bmt]|a\d+b")
# Where a size can start: "27b", "a3b", and a bare number ("108 t": the unit after a space).
_SIZE_AT = re.compile(r"\d+[bmt]?|a\d+b")
# A gate sees the text, its Latin words, those words without trailing digits ("gpt5" ->
# "gpt") and the words that start with a digit ("27b", "1.5k" -> "5k").
Gate = Callable[[str, set[str], set[str], tuple[str, ...]], bool]
GATES: dict[str, Gate] = {
    _VERSIONED: lambda text, words, stems, numeric: not _FAMILY_SET.isdisjoint(stems),
    _PARAMS: lambda text, words, stems, numeric: any(_SIZE.fullmatch(w) for w in numeric),
    _MONEY: lambda text, words, stems, numeric: (
        any(c in text for c in "$€£¥亿万") or "usd" in words
    ),
    _STAR_COUNT: lambda text, words, stems, numeric: "⭐" in text,
    _STARS: lambda text, words, stems, numeric: "star" in text or "星" in text,
    _THOUSANDS: lambda text, words, stems, numeric: any(_KILO.fullmatch(w) for w in numeric),
    _RAISES: lambda text, words, stems, numeric: "rais" in text,
    _SERIES: lambda text, words, stems, numeric: "series" in words,
    _ROUND: lambda text, words, stems, numeric: "轮" in text,
    _VENUE_WWW: lambda text, words, stems, numeric: "www" in text,
    _BENCH: lambda text, words, stems, numeric: "bench" in text,
    _SUFFIXED: lambda text, words, stems, numeric: not _FAMILY_SET.isdisjoint(words),
    _RELEASED_MODEL: lambda text, words, stems, numeric: "model" in text or "模型" in text,
    _NEW_BENCH: lambda text, words, stems, numeric: "new" in words or "新" in text,
    _STAR_LEAD: lambda text, words, stems, numeric: text[:1].isdigit(),
    _CODEX_MODEL: lambda text, words, stems, numeric: "codex" in words,
}


# Faster stand-ins for the regular expressions that would otherwise scan every position of
# a long text (an alternation or a look-behind first defeats the engine's literal search):
# they find a literal first and check around it. Same signature as a gate; they return what
# matched (2 at most), in order.
Counter_ = Callable[[str, set[str], set[str], tuple[str, ...]], list[str]]
_AFTER_FAMILY = {
    _VERSIONED: re.compile(r"[ \-]?[a-z]?\d{1,2}(?:\.\d+)?(?![a-z0-9])"),
    _SUFFIXED: re.compile(
        r"-(?:image|vl|coder|omni|audio|tts|asr|oss|math|embedding|reranker|flash|mini|nano"
        r"|turbo|video|vision|thinking|instruct|base)(?![a-z])"
    ),
}
_LATIN_BEFORE = re.compile(r"[a-z0-9]")


def _after_family(term: str) -> Counter_:
    after = _AFTER_FAMILY[term]

    def count(text: str, words: set[str], stems: set[str], numeric: tuple[str, ...]) -> list[str]:
        found: list[tuple[int, str]] = []
        for family in _FAMILY_SET.intersection(stems):
            at, mine = text.find(family), 0
            while at >= 0 and mine < 2:  # the first two of each: the first two of all
                match = after.match(text, at + len(family))
                if match and (at == 0 or not _LATIN_BEFORE.match(text[at - 1])):
                    found.append((at, text[at : match.end()]))
                    mine += 1
                at = text.find(family, at + 1)
        return [shown for _, shown in sorted(found)[:2]]

    return count


def _before(
    needles: tuple[str, ...],
    before: re.Pattern[str],
    reach: int,
    after: str = "",
    whole: str = "",
) -> Counter_:
    """Occurrences of a needle that `before` matches right in front of (within `reach`
    characters) and that no character of `after` follows. With `whole` (the "re:" term
    stood in for), what is shown is that term's match where `before` matched: its
    greedy words may reach past the needle, as re.finditer's would."""
    term = re.compile(whole[3:]) if whole else None

    def count(text: str, words: set[str], stems: set[str], numeric: tuple[str, ...]) -> list[str]:
        found: list[tuple[int, str]] = []
        for needle in needles:
            at, mine, taken = text.find(needle), 0, 0  # taken: where the last match ended
            while at >= 0 and mine < 2:
                end = at + len(needle)
                # a match never starts inside the previous one (as re.finditer's do not)
                match = before.search(text, max(taken, at - reach), at)
                if match and not (after and end < len(text) and text[end] in after):
                    shown_end = end + (text[end : end + 1] == "s" and bool(after))  # "models"
                    full = term.match(text, match.start()) if term else None
                    shown_end = full.end() if full else shown_end
                    found.append((match.start(), text[match.start() : shown_end]))
                    mine, taken = mine + 1, shown_end
                at = text.find(needle, end)
        return [shown for _, shown in sorted(found)[:2]]

    return count


def _either(*counters: Counter_) -> Counter_:
    def count(text: str, words: set[str], stems: set[str], numeric: tuple[str, ...]) -> list[str]:
        return [shown for c in counters for shown in c(text, words, stems, numeric)][:2]

    return count


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _at_numbers(term: str, shape: re.Pattern[str]) -> Counter_:
    """Matches of a "re:" term that starts with a number, tried only where a number of
    the given shape ("27b", "5k") is."""
    regex = re.compile(term[3:])

    def count(text: str, words: set[str], stems: set[str], numeric: tuple[str, ...]) -> list[str]:
        found: dict[int, str] = {}
        for word in numeric:
            if not shape.fullmatch(word):
                continue
            at, mine = text.find(word), 0
            while at >= 0 and mine < 2:
                start = at
                while start > 0 and text[start - 1] in "0123456789.,":
                    start -= 1  # "1.5t": the number starts before the word "5t"
                match = regex.match(text, start) or regex.match(text, at)
                if match and match.start() not in found:
                    found[match.start()] = match.group()
                    mine += 1
                at = text.find(word, at + len(word))
        return [shown for _, shown in sorted(found.items())[:2]]

    return count


COUNTERS: dict[str, Counter_] = {
    _PARAMS: _at_numbers(_PARAMS, _SIZE_AT),
    _THOUSANDS: _at_numbers(_THOUSANDS, _KILO),
    _VERSIONED: _after_family(_VERSIONED),
    _SUFFIXED: _after_family(_SUFFIXED),
    _STARS: _either(
        _before(("stars", "星标"), re.compile(r"\d[\d.,]*\s?k?\s?$"), 16),
        _before(("星",), re.compile(r"\d[\d.,]*\s?(?:k|万)\s?$"), 16),
    ),
    _RELEASED_MODEL: _either(
        _before(
            ("model",),
            re.compile(r"(?:releas|launch|introduc|unveil|announc|ship)\w*\s(?:[\w\-.]+\s){0,4}$"),
            80,
            after=_LETTERS.replace("s", "") + "0123456789",
            whole=_RELEASED_MODEL,
        ),
        _before(
            ("模型",),
            re.compile(r"(?:发布|推出|开源)了?[^，。；、\s]{0,12}$"),
            16,
            whole=_RELEASED_MODEL,
        ),
    ),
}


TERMS: dict[str, tuple[tuple[str, int], ...]] = {
    "models": (
        *_t(
            """
            3: new model|new models|新模型|模型发布|发布新模型|model release|system card
            |model card|open-weight model|open-weight models|开源模型|frontier model|前沿模型
            |open-source model|open-source models|开源基础模型|model family|模型系列
            |model weights|模型权重
            2: language model|foundation model|基础模型|基座模型|world model|世界模型|video model
            |视频模型|image model|图像模型|生成模型|TTS|语音模型|speech model|音乐生成模型
            |reasoning model|推理模型|parameters|checkpoint|fine-tune|微调|pretraining
            |pre-training|预训练|post-training|后训练|distillation|蒸馏|nano banana
            |context window|上下文窗口|ARC-AGI|SWE-bench|MMLU|SimpleBench|Arena|Elo|Flash-Lite
            |Deep Think|MoE|mixture of experts|稀疏模型|thinking levels|思维级别|technical report
            |技术报告|large model|large models|hallucination|hallucinates|幻觉|RLVR|learning rate
            |学习率|tokenizer|分词器|diffusion model|扩散模型|VLM|通用模型|general model
            |multimodal model|多模态模型
            1: model|模型|大模型|LLM|语言模型|multimodal|多模态|reasoning|推理|training|训练
            |tokens|GPT|Claude|Gemini|Qwen|DeepSeek|Llama|Mistral|Kimi|MiniMax|Grok|Whisper
            |weights|权重|参数|release|发布|能力|benchmark|基准|coding|编程|RL|强化学习
            |leaderboard|排行榜|architecture|架构|transformer|attention|注意力
            -2: jailbreak|越狱|guardrails|护栏|outage|宕机|upload|上传|billing|账单|subscription
            |订阅|user interface|UI|界面
            """
        ),
        (_VERSIONED, 2),
        (_SUFFIXED, 2),
        (_RELEASED_MODEL, 2),
        (_PARAMS, 2),
    ),
    "agents": (
        *_t(
            """
            3: MCP|coding agent|编程智能体|编码智能体|编码代理|AI agent|AI 代理|AI 智能体
            |multi-agent|多智能体|computer use|browser use|tool use|tool calling|工具调用
            |agentic coding|agent swarm|subagent|sub-agent|子代理|子智能体|context engineering
            |上下文工程|Agent Skills|Agents SDK|Agent SDK|智能体框架|agent framework
            |background agent|agentic workflow|agentic workflows|function calling|函数调用
            |AGENTS.md|agent harness|agent runtime|agent runtimes
            2: agent|智能体|Claude Code|Codex|OpenClaw|Clawdbot|龙虾|Manus|Devin|Cline|Droid
            |LangGraph|AutoGen|CrewAI|A2A|harness|Antigravity|Gemini CLI|代理|副驾驶|OpenCode
            |Aider
            1: autonomous|autonomously|自主|workflow|工作流|自动化|automation|automate|tools|工具
            |sandbox|沙盒|沙箱|skills|技能|Cursor|Windsurf|vibe coding|CLI|long-running|长任务
            |长程|编排|orchestration|orchestrate
            """
        ),
        (_CODEX_MODEL, -2),
    ),
    "robotics": _t(
        """
        3: robot|机器人|humanoid|人形机器人|具身|embodied|机械臂|robot arm|自动驾驶|self-driving
        |autonomous driving|driverless|无人驾驶|robotaxi|无人出租车|Waymo|Optimus|Unitree|宇树
        |Figure AI|Boston Dynamics|VLA|FSD|drone|无人机|灵巧手|dexterous|遥操作|teleoperation
        |Reachy|quadruped|四足
        1: 物理世界|physical world|sim-to-real|仿真|simulation|manipulation|传感器|sensor|lidar
        |激光雷达|action model|动作模型
        -3: 聊天机器人|chatbot|客服机器人|机器人流程|RPA|交易机器人|trading bot|Discord 机器人
        |机器人账号
        """
    ),
    "opensource": (
        *_t(
            """
            3: 开源|open source|open sourced|open-weight|open weights|开放权重|Apache 2.0
            |MIT license|MIT 许可|stars on github|open model|self-hosted|自托管|self-host
            |GitHub 上|github star|github stars|open release|开放发布|open dataset|开放数据集
            |Star 数|公开数据集|publicly available|code available|code is available|open code
            2: GitHub|星标|repo|repository|仓库|gpt-oss|Ollama|llama.cpp|vLLM|ComfyUI|PyPI
            |public repository|on Hugging Face|Hugging Face 上|Unsloth|SGLang|MLX|DSPy|LlamaIndex
            |LangChain|PyTorch|Exo|Axolotl|TRL|OpenHands|pip install
            1: Hugging Face|HuggingFace|weights|权重|community|社区|project|项目|下载|download
            |local|本地|HF|locally|代码库
            -3: 闭源|closed-source|proprietary
            """
        ),
        (_STAR_COUNT, 3),
        (_STARS, 3),
        (_STAR_LEAD, 3),
        (_THOUSANDS, 2),
    ),
    "chips": _t(
        """
        3: GPU|AI 芯片|芯片公司|芯片制造|自研芯片|芯片出口|chipmaker|TPU|NPU|算力|数据中心
        |data center|data centre|datacenter|Blackwell|Rubin|Hopper|CUDA|HBM|TSMC|台积电|晶片
        |资料中心|semiconductor|半导体|晶圆|wafer|光刻|lithography|制程|process node|昇腾
        |Ascend|超算|supercomputer|Tensor Core|显卡|Tenstorrent|Cerebras|Xeon|Stargate
        |gigawatt|吉瓦|ROCm
        |memory bandwidth|内存带宽|NVLink|InfiniBand|ASML|EUV|GPU cluster|GPU 集群
        2: chip|芯片|NVIDIA|英伟达|辉达|AMD|Groq|accelerator|加速器|compute|计算资源|Intel|英特尔
        |Apple Silicon|M5|M4|Mac Studio|RDMA|multi-GPU|Triton|CUTLASS|H100|H200|H20|B200|B300
        |GB200|GB300|MI300X|MI355X|RTX|Radeon|显存|VRAM|kernel|内核
        1: 硬件|hardware|infrastructure|基础设施|电力|power|cluster|集群|服务器|server|inference
        |throughput|吞吐|latency|延迟
        """
    ),
    "funding": (
        *_t(
            """
            3: 融资|估值|valuation|funding round|seed round|种子轮|天使轮|pre-money|post-money
            |投前|投后|IPO|港交所|聆讯|上市后|纳斯达克|Nasdaq|收购|acquire|并购|merger|ARR
            |年化收入|年化营收|年化经常性收入|财报|earnings|market cap|市值|layoff|裁员|独角兽
            |unicorn|capex|资本支出|营收|revenue|acqui-hire|acquihire|joint venture|合资公司|筹款
            |fundraising|buyback|回购|licensing deal
            2: acquisition|investor|投资方|投资者|investment|风投|VC|venture|Sequoia|红杉|a16z
            |SoftBank|软银|strategic partnership|战略合作|合作伙伴|partnership|股价|shares|A股
            |港股|概念股|亏损|net loss|收入|盈利|deal|spending|pledged|捐赠|donations|独家合作
            |授权|licensing|is joining|joins
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
        |暴露在公网|监管|regulation|regulator|regulatory|法案|AI Act|lawsuit|诉讼|起诉|sued
        |court=|法院|Supreme Court|copyright|版权|export control|出口管制|禁令|Pentagon|五角大楼
        |Department of War|Department of Defense|国防部|military|军事|White House|白宫|Congress
        |国会|Senate|参议院|executive order|行政令|AI alignment|AI 对齐|misalignment|对齐问题
        |alignment research|对齐研究|对齐工具|AI safety|AI 安全|jailbreak|越狱|vulnerability
        |vulnerabilities|CVE|exploit|malware|恶意软件|phishing|deepfake|深度伪造|red team|红队
        |supply chain risk|供应链风险|法律行动|legal action|legal requests|harassment|骚扰
        |misinformation|虚假信息|fake news|假新闻|安全风险|security risk|security flaws|攻击|RCE
        |remote code execution|reward hacking|奖励作弊|奖励黑客|prompt injection|提示词注入|XSS
        |trojan|木马|backdoor|后门|crypto miner|cryptojacking|挖矿木马|security threat|安全威胁
        |guardrails|护栏|censorship|审查制度|uncensored|无审查|decensored|data leakage|sanctions
        |制裁
        2: 数据泄露|privacy|隐私|漏洞|政府|government|policy|policies|政策|law|法律|法规|ban
        |compliance|合规|governance|治理|alignment|attack|safety|security|安全性|bias|偏见|harm
        |危害|DevSecOps|security scanning|legal|政界|politicians|policymakers|政策制定者|ethics
        |ethical|伦理|censor|审查|content restrictions|内容限制|deceptive|欺骗
        |intellectual property|知识产权|PII|injection|注入|unlearning|遗忘学习|dangerous|危险
        1: 安全|禁止|prohibited|misuse|滥用|trust|信任|transparency|透明|welfare|福利|social|社会
        |jobs|就业|风险|risk|对齐|monitoring|监控|honest|诚实|controllable|可控|interpretability
        |可解释性|restrictions|限制
        """
    ),
    "research": (
        *_t(
            """
            3: 论文|paper|arXiv|preprint|预印本|technical report|技术报告|NeurIPS|ICLR|ICML|CVPR
            |ECCV|ICCV|ACL|EMNLP|NAACL|AAAI|IJCAI|KDD|AISTATS|best paper|研究发现|研究表明
            |研究显示|study finds|研究团队|research team|new study|a study|this study|the study
            |survey|调研|调查|findings|new benchmark|新基准|dataset|数据集|scaling law
            |published research|new research|研究成果|一项研究|研究报告|sparse autoencoder
            |稀疏自编码器|稀疏自动编码器|interpretability research|可解释性研究|份报告
            |this report|the report|new report
            2: researcher|研究员|研究者|研究人员|research|study|实验|report|新方法|new method
            |proposes|提出了|experiment|university|大学|学院|Berkeley|Stanford|CMU|MIT|laboratory
            |AUC|GRPO|Science|Nature|Cell|physics|物理学|interpretability|可解释性|SAE
            |transcoders|emergent|涌现|citation|引用量|meta-learning|元学习|negative transfer
            |负迁移|ablation|消融|optimizer|优化器|theorem|定理|proof|证明|报告
            1: 研究|评测|evaluation|evals|benchmark|基准测试|复现|reproduce|SOTA|state of the art
            |framework|框架|分析|analysis|方法|method|准确率|accuracy|理论|theoretical|数学|math
            |发现|found|discovered|评估|强化学习|reinforcement learning|explanation|解释|pass@k
            |generalization|泛化
            -2: 用户报告|成员报告|报告称|报告了|users report|users reported|members reported
            |user reported
            """
        ),
        (_VENUE_WWW, 3),
        (_BENCH, 2),
        (_NEW_BENCH, 3),
    ),
    "products": _t(
        """
        3: App Store|应用商店|NotebookLM|gift card|礼品卡|Gemini app|Gemini 应用|Sora app
        |ChatGPT app|ChatGPT apps|App Directory|rolling out|rollout|rolls out|waitlist|新功能
        |new feature|订阅|subscription|subscriber|会员|Studio Display|企业版|Pro plan|付费用户
        |paid users|now available|正式上线|free tier|免费层|student offer|学生优惠|referral
        |推荐计划|usage limits|使用限制|rate limit|rate limits|throttling|节流|限流
        |memory feature|记忆功能|pinned chats|Pro users|Max users|Pro 用户|Max 用户
        |Pro subscription|ChatGPT Plus|Perplexity Pro|Perplexity Max|customer support|客服
        |support team|支持团队
        2: iPad|MacBook|iPhone|app|beta|内测|公测|封测|ChatGPT|Copilot|Perplexity|Cursor|Windsurf
        |TRAE|Midjourney|Gmail|YouTube|WhatsApp|谷歌翻译|Google Translate|Workspace|Chrome|插件
        |plugin|extension|耳机|glasses|眼镜|手机|phone|使用技巧|新增|现支持|now supports|now lets
        |adds support|tips|教程|tutorial|playbook|Claude Desktop|claude.ai|桌面端|移动端
        |desktop app|网页版|AI 助手|AI assistant|编码助手|coding assistant|编程工具|coding tool
        |UI|界面|interface|outage|宕机|故障|downtime|quota|配额|billing|账单|storage|存储空间
        |upload|上传|settings|设置|presets|预设|OpenRouter|LM Studio|Spaces|kimi.com|Google One
        |IDE|Excel|Slack|Notion|VS Code|Claude in Chrome|Claude for Excel|error|错误
        |voice assistant|语音助手|users report|users reported|用户报告|payment|支付|renamed|更名
        |rebrand
        1: 免费|free|功能|feature|上线|launch|推出|update|更新|升级|integrates|integration|集成
        |接入|可用|available|Studio|CLI|desktop|桌面|体验|experience|工具|tool|用户|users|产品
        |product|浏览器|browser|设备|device|指南|guide|enterprise|Ultra|助手|assistant|iOS
        |Android|pricing|定价|价格|price|members|成员|limit|限制|Kimi|Grok
        -1: model|模型|API|paper|论文
        -2: revenue|营收|年化收入|ARR|valuation|估值|融资|acquire|收购|is joining|acqui-hire
        """
    ),
}
