"""Quiet words: /mute <word> leaves items containing it out of the chat's pushes (the
same matching as own keywords); a digest of only muted items is not sent; /unmute;
muted words listed in /topics; at most 50 a chat. Both languages."""

from __future__ import annotations

from dataclasses import replace

from bot.digest.topics import MUTE_PREFIX
from storage import subscribers as subs
from tests.bot_env import running_bot
from tests.chat_env import services
from tests.test_chat_sources import EN_CHAT, ZH_CHAT, delivered, en_digest, start_chats, zh_digest


async def test_muted_words_leave_items_out(tmp_path):
    async with running_bot(tmp_path, samples=False) as env:
        await delivered(env, en_digest(1), zh_digest(1))
        await start_chats(env)
        (muted,) = await env.say(EN_CHAT, "/mute Robot")  # "Robots" in a headline matches too
        assert muted.plain_text == "🔇 Muted robot: items containing it are left out."
        (muted_zh,) = await env.say(ZH_CHAT, "/mute 芯片", language_code="zh-hans")
        assert muted_zh.plain_text == "🔇 已屏蔽 芯片：包含它的条目不再显示。"

        await delivered(env, en_digest(2), zh_digest(2))
        en_text = "\n".join(m.text for m in env.api.messages_for(EN_CHAT))
        assert "a chip maker ships release 2.1" in en_text
        assert "a robot maker ships release 2.2" not in en_text
        zh_text = "\n".join(m.text for m in env.api.messages_for(ZH_CHAT))
        assert "机器人公司发布新品2-2" in zh_text and "芯片公司发布新品2-1" not in zh_text

        (topics,) = await env.say(EN_CHAT, "/topics")
        assert "Muted: “robot” (/unmute <word>)" in topics.plain_text
        (again,) = await env.say(EN_CHAT, "/mute robot")
        assert again.plain_text == "robot is muted already."

        # A digest whose every item is muted is not sent at all.
        only_robots = en_digest(3)
        only_robots = replace(only_robots, items=tuple(
            replace(item, title=f"Robots news {item.position}") for item in only_robots.items
        ))  # fmt: skip
        before = len(env.api.messages_for(EN_CHAT))
        await delivered(env, only_robots)
        assert len(env.api.messages_for(EN_CHAT)) == before

        (unmuted,) = await env.say(EN_CHAT, "/unmute ROBOT")
        assert unmuted.plain_text == "🔈 Unmuted robot."
        (not_muted,) = await env.say(EN_CHAT, "/unmute robot")
        assert not_muted.plain_text == "robot was not muted."
        await delivered(env, en_digest(4))
        assert "a robot maker ships release 4.2" in env.api.messages_for(EN_CHAT)[-1].text


async def test_mute_bad_input_and_the_limit(tmp_path):
    async with running_bot(tmp_path, samples=False) as env:
        (usage,) = await env.say(EN_CHAT, "/mute")
        assert usage.plain_text.startswith("Usage: /mute <word>")
        (usage_zh,) = await env.say(ZH_CHAT, "/unmute  “ ” ", language_code="zh")
        assert usage_zh.plain_text.startswith("用法：/unmute <词>")
        (short,) = await env.say(EN_CHAT, "/mute a")
        assert "one Latin letter" in short.plain_text
        db = services(env).db
        for n in range(50):
            await subs.follow(db, EN_CHAT, f"{MUTE_PREFIX}word{n}")
        (limit,) = await env.say(EN_CHAT, "/mute one more")
        assert limit.plain_text == "You muted 50 words, the most a chat can. /unmute one first."
        (again,) = await env.say(EN_CHAT, "/mute word7")  # muted already: no limit to hit
        assert again.plain_text == "word7 is muted already."
