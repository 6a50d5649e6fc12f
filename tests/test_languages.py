"""Every command answers in the user's language: a scripted Chinese user and a scripted
English user go through every command, through the Bot API stand-in."""

from __future__ import annotations

import re

import pytest

from bot.i18n import _catalog
from bot.telegram.commands import COMMANDS
from tests.bot_env import (
    ADMIN_ID,
    BotEnv,
    running_bot,
)

ZH_USER, EN_USER = 4001, 4002
ARGUMENTS = {  # commands that need a value to do something
    "search": "模型",
    "follow": "chips",
    "unfollow": "chips",
    "format": "brief",
    "alerts": "topics",
    "previews": "on",
    "tz": "北京",
    "quiet": "23-7",
    "ingest": "/no/such/folder",
    "lang": None,  # changes the language itself: tested on its own below
}


@pytest.fixture
async def env(tmp_path):
    async with running_bot(tmp_path, admin_ids=[ADMIN_ID, ZH_USER, EN_USER]) as running:
        yield running


def english_phrases() -> set[str]:
    """The interface's English sentences (the catalog's msgids of four words or more),
    as plain text, placeholders cut out."""
    phrases = set()
    for msgid in _catalog("zh"):
        for source in msgid if isinstance(msgid, tuple) else (msgid,):
            plain = re.sub(r"<[^>]+>|\{[^}]*\}|&[a-z]+;", "|", source)
            phrases |= {part.strip() for part in plain.split("|") if len(part.split()) >= 4}
    return phrases


async def answers_to(env: BotEnv, user: int, text: str, lang: str) -> str:
    sent = await env.say(user, text, language_code=lang)
    return "\n".join(message.text for message in sent)


async def test_every_command_answers_in_the_users_language(env):
    english = english_phrases()
    assert len(english) > 40
    commands = [c.name for c in COMMANDS if ARGUMENTS.get(c.name, "") is not None]
    for name in ["start", *[c for c in commands if c != "start"]]:
        argument = ARGUMENTS.get(name, "")
        text = f"/{name} {argument}".strip()
        zh = await answers_to(env, ZH_USER, text, "zh-hans")
        en = await answers_to(env, EN_USER, text, "en")
        assert zh and en, text
        assert zh != en, text
        leaked = [phrase for phrase in english if phrase in zh]
        assert leaked == [], f"{text}: English in the Chinese answer: {leaked[:3]}"
        assert re.search(r"[\u4e00-\u9fff]", zh), text


async def test_lang_switches_the_chat_and_the_menu_is_in_both_languages(env):
    assert {c["command"] for c in env.api.commands_for(language_code="zh")} >= {"start", "search"}
    zh_menu = {c["command"]: c["description"] for c in env.api.commands_for(language_code="zh")}
    en_menu = {c["command"]: c["description"] for c in env.api.commands_for()}
    assert zh_menu["search"] == "在所有简报中搜索条目" and en_menu["search"].startswith("find")
    assert "stats" not in zh_menu  # admin commands stay out of the menu

    (switched,) = await env.say(EN_USER, "/lang zh", language_code="en")
    assert "中文" in switched.text
    (helped,) = await env.say(EN_USER, "/help", language_code="en")  # the chat's choice wins
    assert "命令" in helped.text
    (back,) = await env.say(EN_USER, "/lang en", language_code="en")
    assert "English" in back.text
