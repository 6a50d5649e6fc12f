"""Channels end to end through the Bot API stand-in: a channel subscribes by /start posted
in it, gets digests, keeps only them (command posts and replies go after a while), stops
when the bot is demoted or removed; its owner manages it from a private chat with
/channels, checked with getChatMember every time."""

from __future__ import annotations

import logging

import pytest

from bot.delivery.ratelimit import SendRateLimiter
from bot.local_api import LocalBotApi
from storage import channels as channel_store
from storage import subscribers as subs
from tests.bot_env import BotEnv, make_settings, start_bot, stop_bot, wait_until
from tests.chat_env import new_digest, post, push, services, settled

CHANNEL = -1001234567890
OTHER_CHANNEL = -1009876543210
OWNER, READER, STRANGER = 301, 302, 303


async def subscriber(env: BotEnv, chat_id: int) -> subs.Subscriber | None:
    return await subs.get_subscriber(services(env).db, chat_id)


async def add_bot_to_channel(env: BotEnv, chat_id: int = CHANNEL, **rights) -> None:
    """The owner makes the bot an administrator of the channel (a my_chat_member update)."""
    env.api.set_chat_member(chat_id, OWNER, "creator")
    env.api.add_chat(chat_id, "channel", title="AI news")
    env.api.state.set_member(chat_id, env.api.bot_id, "left", {})  # not in it yet
    env.api.set_bot_member(chat_id, "administrator", by_user_id=OWNER, **rights)
    await settled(env)


def button_data(message) -> list[str]:
    return [data for row in message.buttons for _, data in row]


async def test_a_channel_subscribes_with_start_and_gets_the_digest(env):
    await add_bot_to_channel(env)
    stored = await channel_store.get_channel(services(env).db, CHANNEL)
    assert (stored.status, stored.can_post, stored.can_delete, stored.added_by) == (
        "administrator",
        True,
        True,
        OWNER,
    )
    (welcome,) = await post(env, CHANNEL, "/start")
    assert "Welcome" in welcome.text and "/help" in welcome.text
    found = await subscriber(env, CHANNEL)
    assert (found.kind, found.status, found.title) == ("channel", "active", "AI news")

    # Every command that makes sense for a channel works there, posted as the channel.
    (saved,) = await post(env, CHANNEL, "/format headlines")
    assert "Saved" in saved.text
    (following,) = await post(env, CHANNEL, "/follow chips")
    assert "Following" in following.text
    (panel,) = await post(env, CHANNEL, "/settings")
    assert "set:format:brief" in button_data(panel)
    latest = await post(env, CHANNEL, "/latest@digest_test_bot")
    assert latest and "2026.11.28.16" in latest[0].text
    found = await subscriber(env, CHANNEL)
    assert (found.format, found.topics) == ("headlines", {"chips"})

    before = len(env.api.messages_for(CHANNEL))
    await push(env, new_digest())
    (pushed,) = (await env.api.wait_for_messages(before + 1, chat_id=CHANNEL))[before:]
    assert "2026.11.29.20 test digest 1" in pushed.text
    assert "Chip export rules" in pushed.text and "🔔" in pushed.text  # headlines, marked
    assert "New <b>chip</b>" not in pushed.text

    (paused,) = await post(env, CHANNEL, "/stop")
    assert "Paused" in paused.text
    assert (await subscriber(env, CHANNEL)).status == "paused"


async def test_a_button_under_a_channel_post_is_for_the_channels_admins(env):
    await add_bot_to_channel(env)
    await post(env, CHANNEL, "/start")
    (panel,) = await post(env, CHANNEL, "/settings")
    # A reader of the channel presses a button under the bot's post: refused.
    await env.press(CHANNEL, panel, "set:format:brief", user_id=READER, chat_type="channel")
    assert (await subscriber(env, CHANNEL)).format == "full"
    answer = env.callback_answers()[-1]
    assert "channel's admins" in answer["text"] and answer["show_alert"]
    # The owner may.
    await env.press(CHANNEL, panel, "set:format:brief", user_id=OWNER, chat_type="channel")
    assert (await subscriber(env, CHANNEL)).format == "brief"


async def test_command_posts_and_replies_are_deleted_after_a_while(env):
    await add_bot_to_channel(env)
    services(env).cleanup.delay = 0.2
    env.api.post_in_channel(CHANNEL, "/start")
    (welcome,) = await env.api.wait_for_messages(1, chat_id=CHANNEL)
    (command_post,) = [key[1] for key in env.api.state.user_messages if key[0] == CHANNEL]
    await wait_until(lambda: len(env.api.deleted) == 2, what="the post and its reply deleted")
    assert sorted(env.api.deleted) == sorted(
        [(CHANNEL, command_post), (CHANNEL, welcome.message_id)]
    )
    # A digest is no reply: it stays.
    await push(env, new_digest())
    (digest,) = (await env.api.wait_for_messages(2, chat_id=CHANNEL))[1:]
    await post(env, CHANNEL, "/help")
    await wait_until(lambda: len(env.api.deleted) == 4, what="the /help post and reply")
    assert (CHANNEL, digest.message_id) not in env.api.deleted


async def test_without_the_right_to_delete_only_the_bots_own_replies_go(env):
    await add_bot_to_channel(env, can_delete_messages=False)
    services(env).cleanup.delay = 0.1
    (welcome,) = await post(env, CHANNEL, "/start")
    await wait_until(lambda: env.api.deleted, what="the reply deleted")
    assert env.api.deleted == [(CHANNEL, welcome.message_id)]


async def test_stopping_does_not_wait_for_pending_deletions(tmp_path):
    async with LocalBotApi() as api:
        settings = make_settings(api, tmp_path / "bot.db")
        application = await start_bot(settings)
        env = BotEnv(api, application, settings)
        stopped = False
        try:
            await add_bot_to_channel(env)
            await post(env, CHANNEL, "/start")
            assert services(env).cleanup.pending == 2  # due in a minute
            await stop_bot(application)
            stopped = True
        finally:
            if not stopped:
                await stop_bot(application)
        assert api.deleted == []


async def test_demoted_or_removed_the_channel_stops(env):
    await add_bot_to_channel(env)
    await post(env, CHANNEL, "/start")
    env.api.set_bot_member(CHANNEL, "administrator", can_post_messages=False)
    await settled(env)
    assert (await subscriber(env, CHANNEL)).status == "blocked"
    # Promoted again, the owner posts /start: back on.
    env.api.set_bot_member(CHANNEL, "administrator")
    await settled(env)
    (back,) = await post(env, CHANNEL, "/start")
    assert "Welcome back" in back.text
    env.api.set_bot_member(CHANNEL, "left")
    await settled(env)
    assert (await subscriber(env, CHANNEL)).status == "blocked"
    before = len(env.api.sent)
    await push(env, new_digest())
    await services(env).engine.run_until_idle(timeout=10)
    assert len(env.api.sent) == before


async def test_a_post_from_a_channel_where_the_bot_may_not_post_gets_silence(env, caplog):
    caplog.set_level(logging.WARNING)
    channel_chat = {"id": OTHER_CHANNEL, "type": "channel", "title": "Not ours"}
    env.api.add_chat(OTHER_CHANNEL, "channel", title="Not ours")
    env.api.set_bot_member(OTHER_CHANNEL, "left")
    entity = [{"type": "bot_command", "offset": 0, "length": 6}]
    env.api.add_update(
        {
            "channel_post": {
                "message_id": 5,
                "date": 1,
                "chat": channel_chat,
                "sender_chat": channel_chat,
                "text": "/start",
                "entities": entity,
            }
        }
    )
    await settled(env)
    assert env.api.messages_for(OTHER_CHANNEL) == []
    assert await subscriber(env, OTHER_CHANNEL) is None
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_channels_from_a_private_chat_for_its_admins_only(env):
    await add_bot_to_channel(env)
    env.api.set_chat_member(CHANNEL, READER, "administrator")
    await post(env, CHANNEL, "/start")

    (panel,) = await env.say(OWNER, "/channels")
    assert "AI news" in panel.text and "Status: subscribed" in panel.text
    data = button_data(panel)
    assert f"ch:{CHANNEL}:status:paused" in data and f"ch:{CHANNEL}:format:brief" in data
    (edited,) = await env.press(OWNER, panel, f"ch:{CHANNEL}:format:brief")
    assert edited.message_id == panel.message_id and "• Brief •" in str(edited.buttons)
    assert (await subscriber(env, CHANNEL)).format == "brief"
    await env.press(OWNER, panel, f"ch:{CHANNEL}:status:paused")
    assert (await subscriber(env, CHANNEL)).status == "paused"
    assert (await subscriber(env, OWNER)) is None  # nothing changed for the owner's own chat

    # Another admin manages it too; someone else does not see it.
    (other_admin,) = await env.say(READER, "/channels")
    assert "AI news" in other_admin.text
    (none,) = await env.say(STRANGER, "/channels")
    assert "no channel you run" in none.text and "/start" in none.text

    # Demoted since: the next press is refused (asked again, never remembered).
    env.api.set_chat_member(CHANNEL, READER, "member")
    await env.press(READER, other_admin, f"ch:{CHANNEL}:format:headlines")
    assert (await subscriber(env, CHANNEL)).format == "brief"
    assert "not an admin" in env.callback_answers()[-1]["text"]
    # A forged press for a channel the presser does not run: refused the same way.
    await env.press(STRANGER, none, f"ch:{CHANNEL}:status:active")
    assert (await subscriber(env, CHANNEL)).status == "paused"
    assert "not an admin" in env.callback_answers()[-1]["text"]


async def test_a_failed_get_chat_member_denies(env):
    await add_bot_to_channel(env)
    (panel,) = await env.say(OWNER, "/channels")
    assert "Status: not subscribed" in panel.text  # listed before any /start
    env.api.fail_method("getChatMember", 400, "Bad Request: member list is inaccessible")
    (none,) = await env.say(OWNER, "/channels")
    assert "no channel you run" in none.text
    await env.press(OWNER, panel, f"ch:{CHANNEL}:status:active")
    assert await subscriber(env, CHANNEL) is None
    env.api.clear_faults()
    await env.press(OWNER, panel, f"ch:{CHANNEL}:status:active")
    found = await subscriber(env, CHANNEL)
    assert (found.kind, found.status, found.title) == ("channel", "active", "AI news")


async def test_channels_elsewhere_points_to_the_private_chat(env):
    await add_bot_to_channel(env)
    await post(env, CHANNEL, "/start")
    (answer,) = await post(env, CHANNEL, "/channels")
    assert "private chat" in answer.text


async def test_pushes_to_a_channel_count_under_the_group_limit():
    now = [0.0]
    limiter = SendRateLimiter(1000, clock=lambda: now[0])
    for _ in range(20):
        await limiter.acquire(CHANNEL, bulk=True)
        now[0] += 0.01
    assert limiter.chat_ready_at(CHANNEL) == pytest.approx(60.0)  # the 21st waits a minute
