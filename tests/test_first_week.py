"""What a new reader and a new operator still tripped on in their first week (issue 21),
each as it was observed, in both languages where texts are involved."""

from __future__ import annotations

import pytest

USER = 2101


async def zh(env, user: int = USER) -> None:
    await env.say(user, "/lang zh")


# ---- 1. "Welcome back" only to a chat that was subscribed before ------------------------


@pytest.mark.parametrize("first", ["/lang zh", "/tz Beijing", "/lang en"])
async def test_a_setting_before_the_first_start_still_gets_the_welcome(env, first):
    await env.say(USER, first)
    (welcome,) = await env.say(USER, "/start")
    assert "👋" in welcome.text
    assert "Welcome back" not in welcome.text and "欢迎回来" not in welcome.text
    assert "Welcome to the AI digest" in welcome.text or "欢迎" in welcome.text


async def test_forget_then_a_setting_then_start_is_a_welcome_and_stop_start_is_back(env):
    await env.say(USER, "/start")
    (confirm,) = await env.say(USER, "/forget")
    await env.press(USER, confirm, "forget:yes")
    await zh(env)
    (welcome,) = await env.say(USER, "/start")
    assert "欢迎回来" not in welcome.text and "欢迎" in welcome.text
    await env.say(USER, "/stop")
    (back,) = await env.say(USER, "/start")
    assert "欢迎回来" in back.text
