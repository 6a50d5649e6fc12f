"""The common words of this field in Chinese and English, for telling a story from its
translation (bot/digest/twins.py): a Chinese headline keeps the names of the English one
("GPT-5.6", "Kimi K3") but writes its common words in Chinese, so each line here makes the
words of both languages one concept.

Built from the topic definitions (bot/digest/topics.py: 模型/model, 智能体/agent,
芯片/chip ...) and from the zh/en twins of the corpus (the AINews issues and their
translation, the peon and hextra daily pairs): the words those pairs translate one into
the other most often. A line: Chinese spellings, "=", English words (lowercase; an English
word also matches with a plural "s"; a phrase is at most three words).
"""

from __future__ import annotations

TERMS = """
模型 = model
大模型|大语言模型|语言模型 = llm|language model|large language model
开源|开放权重|开源模型 = open source|open-source|open weights|open-weight|opensource
芯片 = chip|chips
智能体|代理 = agent|agentic
机器人 = robot|robotics|humanoid
人形机器人 = humanoid
自动驾驶 = self-driving|autonomous driving
融资|募资|筹集 = funding|raise|raised|raises|round
估值 = valuation|valued
收购 = acquire|acquires|acquired|acquisition
投资 = invest|investment|investor
营收|收入 = revenue
上市|首次公开募股 = ipo
合作|伙伴 = partnership|partner
裁员 = layoffs|layoff
发布|推出|上线 = release|launch|launches|launched|released|unveils|introduces|announces
更新 = update
版本 = version
基准|基准测试|评测 = benchmark|eval|evals
训练 = training|train|trained
微调 = fine-tuning|finetuning|fine-tune|finetune
推理 = inference|reasoning
上下文 = context
编程|编码|代码 = coding|code
图像|图片 = image|images
视频 = video
音频|语音 = audio|voice|speech
音乐 = music
数据中心 = data center|datacenter|data centre
算力 = compute
显卡|图形处理器 = gpu
内存|显存 = memory|vram
数据集 = dataset
论文 = paper
研究 = research
安全 = safety|security
对齐 = alignment
越狱 = jailbreak|jailbreaking
漏洞 = vulnerability|exploit
诉讼|起诉 = lawsuit|sues|sued
监管|法规 = regulation|regulators
政府 = government
版权 = copyright
隐私 = privacy
出口管制 = export controls|export control
用户 = users|user
开发者 = developers|developer
工具 = tool|tools
框架 = framework
插件|扩展 = plugin|extension
浏览器 = browser
搜索 = search
检索 = retrieval
记忆 = memory
工作流 = workflow
提示词 = prompt
免费 = free
付费|订阅 = paid|subscription
价格|定价 = price|pricing
量化 = quantization|quantized
稀疏 = sparse|sparsity
强化学习 = reinforcement learning|rl
世界模型 = world model
多模态 = multimodal
科学 = science
数学 = math|mathematics
物理 = physics
医疗|健康 = health|medical
教育 = education
报告|报道|据称 = report|reported|reportedly|allegedly
工程师 = engineer
原型 = prototype
克隆 = clone|clones|cloned
实验室 = lab|laboratory
公司 = company
团队 = team
社区 = community
性能 = performance
速度 = speed|faster
成本 = cost|costs
协议 = protocol|agreement
服务器 = server
手机 = phone|smartphone
设备 = device
谷歌 = google
微软 = microsoft
英伟达 = nvidia
苹果 = apple
亚马逊 = amazon
百度 = baidu
阿里|阿里巴巴 = alibaba
腾讯 = tencent
字节|字节跳动 = bytedance
小红书 = xiaohongshu
华为 = huawei
特斯拉 = tesla
马斯克 = musk
奥特曼 = altman
中国 = china|chinese
美国 = american|america
欧洲 = europe|european
日本 = japan
法国 = france|french
"""


def parse_terms(text: str = TERMS) -> tuple[tuple[tuple[str, ...], tuple[str, ...], str], ...]:
    """(Chinese spellings, English words, concept name) per line; the concept is named
    after its first English word."""
    out = []
    for line in text.strip().splitlines():
        zh, en = (side.strip() for side in line.split("=", 1))
        words = tuple(w.strip().lower() for w in en.split("|") if w.strip())
        out.append((tuple(z.strip() for z in zh.split("|") if z.strip()), words, words[0]))
    return tuple(out)
